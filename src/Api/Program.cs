var builder = WebApplication.CreateSlimBuilder(args);
var app = builder.Build();

app.MapGet("/healthz", () => TypedResults.Text("ok"));

app.Run();

/// <summary>Entry point, public so integration tests can host the Api with WebApplicationFactory.</summary>
public partial class Program;
