Console.WriteLine("load: scenarios arrive with the load suite");
