using System.CommandLine;
using ShawBot.Cli.Commands;

namespace ShawBot.Tests.Commands;

/// <summary>`quantize` takes --quantize like every other command; --type stays as a hidden alias.</summary>
public sealed class QuantizeCommandTests
{
    [Theory]
    [InlineData("--quantize fp4", "fp4", null)]
    [InlineData("--type fp4", "nf4", "fp4")]
    [InlineData("", "nf4", null)]
    public void Parses_the_format_from_quantize_or_the_old_type(string args, string quantize, string? type)
    {
        var result = QuantizeCommand.Create().Parse($"--model m --out o {args}");
        Assert.Empty(result.Errors);
        Assert.Equal((quantize, type), (result.GetValue<string>("--quantize"), result.GetValue<string?>("--type")));
    }

    [Fact]
    public void Only_four_bit_formats_are_accepted_and_type_is_not_advertised()
    {
        var command = QuantizeCommand.Create();
        Assert.NotEmpty(command.Parse("--model m --out o --quantize none").Errors);
        Assert.True(command.Options.Single(o => o.Name == "--type").Hidden);
        Assert.False(command.Options.Single(o => o.Name == "--quantize").Hidden);
    }
}
