import Foundation
import Testing
import TCK

@Suite struct ReportCodingTests {
    @Test func roundTripsAReport() throws {
        var result = Fixtures.result("smp-4", outcome: .xfail)
        result.expectation = TCK.Expectation(outcome: .xfail, reason: "TCG", link: "https://example.org/7")
        result.console = "TCK:1 BEGIN smp\n\u{FFFD}\u{0}é\n"
        result.protocolErrors = ["line 3: second END; ignored"]
        let report = Fixtures.report([result, Fixtures.result("hello", driver: "qemu")], shard: "1/3")
        let data = try ReportCoding.encode(report)
        #expect(try ReportCoding.decode(data) == report)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"schemaVersion\" : 1"))
        #expect(text.contains("\"link\" : \"https://example.org/7\""))   // no escaped slashes
        #expect(try ReportCoding.encode(report) == data)                     // deterministic
    }

    @Test func readsFromAFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tck-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = Fixtures.report([Fixtures.result("a")])
        try ReportCoding.encode(report).write(to: URL(fileURLWithPath: path))
        #expect(try ReportCoding.read(path: path) == report)
        #expect(throws: ReportCodingError("/nonexistent.json: cannot read the file")) {
            try ReportCoding.read(path: "/nonexistent.json")
        }
    }

    @Test(arguments: [
        ("", "not a tck results file: the input is not valid JSON"),
        ("{", "not a tck results file: the input is not valid JSON"),
        ("[]", "not a tck results file: wrong type at the top level (expected Dictionary<String, Any>)"),
        ("{}", "not a tck results file: the top-level 'schemaVersion' field is missing"),
        ("{\"schemaVersion\": \"1\"}", "not a tck results file: wrong type at schemaVersion (expected Int)"),
        ("{\"schemaVersion\": 2}", "schemaVersion 2 is newer than this tck understands (1); use a newer tck"),
        ("{\"schemaVersion\": 0}", "schemaVersion 0 is not valid (versions start at 1)"),
        ("{\"schemaVersion\": 1}", "malformed results file: field 'tool' is missing at the top level"),
    ])
    func malformedInputGetsAClearError(json: String, message: String) {
        #expect(throws: ReportCodingError(message)) { try ReportCoding.decode(Data(json.utf8)) }
    }

    @Test func aBadFieldDeepInsideIsNamedByPath() throws {
        let data = try ReportCoding.encode(Fixtures.report([Fixtures.result("a")]))
        let broken = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"outcome\" : \"pass\"",
                                                                                with: "\"outcome\" : \"great\"")
        #expect {
            try ReportCoding.decode(Data(broken.utf8))
        } throws: { error in
            let message = (error as? ReportCodingError)?.message ?? ""
            return message.hasPrefix("malformed results file: invalid value at results[0].outcome")
        }
    }

    @Test func oversizedInputIsRefusedBeforeParsing() {
        let data = Data(count: ReportCoding.maximumInputBytes + 1)
        #expect(throws: ReportCodingError("the report is 268435457 bytes, over the 256 MiB limit")) {
            try ReportCoding.decode(data)
        }
    }

    @Test func deepNestingIsRefusedWithAReason() {
        let deep = "{\"schemaVersion\": 1, \"x\": " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(throws: ReportCodingError("not a tck results file: JSON nested more than 64 levels deep (at byte 89)")) {
            try ReportCoding.decode(Data(deep.utf8))
        }
    }

    @Test func bracketsInsideStringsDoNotCount() {
        let text = "{\"a\": \"" + String(repeating: "[{", count: 100) + "\\\"]\", \"b\": [[1]]}"
        #expect(JSONNesting.firstTooDeep(Array(text.utf8)) == nil)
        #expect(JSONNesting.firstTooDeep(Array("[[[".utf8), limit: 2) == 2)
    }
}
