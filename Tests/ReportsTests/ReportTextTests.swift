import Testing
@testable import Reports

@Suite struct ReportTextTests {
    @Test(arguments: [
        ("plain text", "plain text"),
        ("a\r\nb\rc", "a\nb\nc"),
        ("\u{1B}[31mred\u{1B}[0m", "red"),
        ("\u{1B}[1;33;40mx", "x"),
        ("\u{1B}", "␛"),
        ("\u{1B}c reset", "␛c reset"),
        ("\u{1B}[\u{0}", "␀"),
        ("nul\u{0}bel\u{7}", "nul␀bel␇"),
        ("tab\tkept", "tab\tkept"),
        ("del\u{7F}", "del␡"),
        ("c1\u{85}nc\u{FFFE}\u{FFFF}", "c1\u{FFFD}nc\u{FFFD}\u{FFFD}"),
        ("<script>]]>&", "<script>]]>&"),
        ("ünïcødé ✓ 🐛", "ünïcødé ✓ 🐛"),
    ])
    func cleans(input: String, output: String) {
        #expect(ReportText.clean(input) == output)
    }

    @Test func lineFoldsOntoOneLine() {
        #expect(ReportText.line("a\nb\tc\r\nd") == "a b c d")
    }

    @Test func idsAreSafeAndDistinct() {
        #expect(ReportFormat.resultID(driver: "qemu", test: "smp-4") == "result-qemu-smp-4")
        #expect(ReportFormat.idFragment("a b\"<") == "a_20b_22_3c")
        #expect(ReportFormat.idFragment("a_b") != ReportFormat.idFragment("a b"))
    }
}
