using System.Runtime.InteropServices;
using HelloContainer.Greeting;
using Newtonsoft.Json;

// One line from the ProjectReference, one JSON string from the NuGet package: each comes from its
// own image layer.
Console.WriteLine(Greeter.Greet(RuntimeInformation.OSArchitecture.ToString()));
Console.WriteLine(JsonConvert.SerializeObject(new
{
    os = RuntimeInformation.OSDescription,
    architecture = RuntimeInformation.OSArchitecture.ToString(),
    framework = RuntimeInformation.FrameworkDescription,
    workingDirectory = Environment.CurrentDirectory,
    greetingSource = Environment.GetEnvironmentVariable("GREETING_SOURCE"),
}));
