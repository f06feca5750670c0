import Foundation
import Testing
import ABI
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
        #expect(text.contains("\"schemaVersion\" : 2"))
        #expect(text.contains("\"link\" : \"https://example.org/7\""))   // no escaped slashes
        #expect(try ReportCoding.encode(report) == data)                     // deterministic
    }

    /// Version 1 files (whole consoles, no identity, no summary) still read, as the same model.
    @Test func readsVersionOneFiles() throws {
        let report = Fixtures.report([Fixtures.result("a"), Fixtures.result("b", driver: "qemu")])
        var object = try #require(try JSONSerialization.jsonObject(with: ReportCoding.encode(report)) as? [String: Any])
        object["schemaVersion"] = 1
        object["summary"] = nil
        let decoded = try ReportCoding.decode(JSONSerialization.data(withJSONObject: object))
        #expect(decoded.schemaVersion == 1)
        #expect(decoded.results == report.results && decoded.identity == nil)
    }

    @Test func summaryCountsEveryOutcomeOverallAndPerDriver() throws {
        let report = Fixtures.report([Fixtures.result("a"), Fixtures.result("b", outcome: .xfail),
                                      Fixtures.result("a", driver: "qemu", outcome: .fail, expected: false)])
        let object = try #require(try JSONSerialization.jsonObject(with: ReportCoding.encode(report)) as? [String: Any])
        let summary = try #require(object["summary"] as? [String: Any])
        let all = try #require(summary["all"] as? [String: Any])
        #expect(all["results"] as? Int == 3 && all["unexpected"] as? Int == 1)
        let outcomes = try #require(all["outcomes"] as? [String: Int])
        #expect(outcomes.count == Outcome.allCases.count)
        #expect(outcomes["pass"] == 1 && outcomes["xfail"] == 1 && outcomes["fail"] == 1 && outcomes["crash"] == 0)
        let qemu = try #require((summary["drivers"] as? [String: Any])?["qemu"] as? [String: Any])
        #expect(qemu["results"] as? Int == 1 && qemu["unexpected"] as? Int == 1)
        // Derived, so not read back: a stale summary in a file cannot disagree with its results.
        #expect(try ReportCoding.decode(ReportCoding.encode(report)) == report)
    }

    @Test func identityRoundTrips() throws {
        var report = Fixtures.report([Fixtures.result("a")])
        report.identity = RunIdentity(swiftvmVersion: nil, kitCommit: RunIdentity.unknown,
                                      catalog: CatalogIdentity(path: "suite.cfg", sha256: "00"),
                                      selection: RunSelection(filters: ["conf-*"], groups: ["smoke"], drivers: ["qemu"], jobs: 3,
                                                              shard: "1/2", tests: ["a"]),
                                      workingDirectory: "/w", commandLine: ["tck", "run", "--filter", "conf-*"])
        let text = String(decoding: try ReportCoding.encode(report), as: UTF8.self)
        #expect(text.contains("\"kitCommit\" : \"unknown\""))
        #expect(!text.contains("swiftvmVersion"))
        #expect(try ReportCoding.decode(Data(text.utf8)) == report)
    }

    /// `read` puts the whole console back from the log file the result names, and only from that one.
    @Test func readRestoresWholeLogsFromTheFilesBeside() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tck-logs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/logs/swiftvm", withIntermediateDirectories: true)
        let whole = (1...500).map { "line \($0)" }.joined(separator: "\n") + "\n"
        let tail = (451...500).map { "line \($0)" }.joined(separator: "\n") + "\n"
        var result = Fixtures.result("a")
        result.console = tail
        result.consoleCut = TextCut(bytes: whole.utf8.count - tail.utf8.count, lines: 450)
        result.consoleLog = "logs/swiftvm/a.console.log"
        var other = Fixtures.result("b")
        other.console = tail
        other.consoleCut = result.consoleCut
        other.consoleLog = "../../etc/passwd"   // not the path tck writes for swiftvm/b: never read
        try Data(whole.utf8).write(to: URL(fileURLWithPath: dir + "/logs/swiftvm/a.console.log"))
        try ReportCoding.encode(Fixtures.report([result, other])).write(to: URL(fileURLWithPath: dir + "/results.json"))

        let read = try ReportCoding.read(path: dir + "/results.json")
        #expect(read.results[0].console == whole && read.results[0].consoleCut == nil && read.results[0].consoleLog == nil)
        #expect(read.results[1].console == tail && read.results[1].consoleCut == other.consoleCut)
        let plain = try ReportCoding.read(path: dir + "/results.json", restoringLogs: false)
        #expect(plain.results[0].console == tail)

        // A log that does not match its tail and cut (another run's file) is not taken.
        try Data("something else\n".utf8).write(to: URL(fileURLWithPath: dir + "/logs/swiftvm/a.console.log"))
        #expect(try ReportCoding.read(path: dir + "/results.json").results[0].console == tail)
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
        ("{\"schemaVersion\": 3}", "schemaVersion 3 is newer than this tck understands (2); use a newer tck"),
        ("{\"schemaVersion\": 0}", "schemaVersion 0 is not valid (versions start at 1)"),
        ("{\"schemaVersion\": 1}", "malformed results file: field 'tool' is missing at the top level"),
        ("{\"schemaVersion\": 2}", "malformed results file: field 'tool' is missing at the top level"),
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
