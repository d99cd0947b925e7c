namespace HelloContainer.Greeting;

public static class Greeter
{
    /// <summary>The line the sample prints, e.g. "Hello from OciMsBuild on X64".</summary>
    public static string Greet(string architecture) => $"Hello from OciMsBuild on {architecture}";
}
