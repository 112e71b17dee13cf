var builder = WebApplication.CreateSlimBuilder(args);
var app = builder.Build();

app.MapGet("/healthz", () => TypedResults.Text("ok"));

app.Run();
