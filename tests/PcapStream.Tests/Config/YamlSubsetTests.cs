using PcapStream.Config;

namespace PcapStream.Tests.Config;

public class YamlSubsetTests
{
    [Fact]
    public void Reads_nesting_quotes_comments_and_both_list_forms()
    {
        List<YamlSubset.Entry> e = YamlSubset.Parse("""
            a:
              b: plain value   # comment
              c: 'it''s # not a comment'
              d: "x: y"
              list: [one, "two", three]
            e:
            - p
            - q
            top: 1
            """, "t.yaml");
        Assert.Equal(["a.b", "a.c", "a.d", "a.list", "e", "top"], e.Select(x => x.Path));
        Assert.Equal("plain value", e[0].Items[0]);
        Assert.Equal("it's # not a comment", e[1].Items[0]);
        Assert.Equal("x: y", e[2].Items[0]);
        Assert.Equal(["one", "two", "three"], e[3].Items);
        Assert.Equal(["p", "q"], e[4].Items);
        Assert.Equal(9, e[5].Line);
    }

    [Theory]
    [InlineData("a: &anchor 1")]
    [InlineData("a: |")]
    [InlineData("just text")]
    [InlineData("a: 'unterminated")]
    public void Refuses_what_it_does_not_read_with_the_line(string yaml)
    {
        var ex = Assert.Throws<SettingsException>(() => YamlSubset.Parse("ok: 1\n" + yaml, "t.yaml"));
        Assert.Contains("t.yaml line 2", ex.Message);
    }
}
