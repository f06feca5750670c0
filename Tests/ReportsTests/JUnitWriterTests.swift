import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TCK
@testable import Reports

@Suite struct JUnitWriterTests {
    let report = SampleReport.report()

    func parsed() throws -> XMLDocument {
        try XMLDocument(xmlString: JUnitWriter.render(report), options: [])
    }

    func suite(_ name: String, in document: XMLDocument) throws -> XMLElement {
        let nodes = try document.nodes(forXPath: "/testsuites/testsuite[@name='\(name)']")
        return try #require(nodes.first as? XMLElement, "no testsuite \(name)")
    }

    func cases(_ suite: XMLElement) -> [XMLElement] { suite.elements(forName: "testcase") }

    @Test func parsesBackWithOneSuitePerResultAndCorrectCounts() throws {
        let document = try parsed()
        let root = try #require(document.rootElement())
        #expect(root.name == "testsuites")
        let suites = root.elements(forName: "testsuite")
        #expect(suites.count == report.results.count)
        var total = 0
        for suite in suites {
            let testcases = cases(suite)
            let count = { (child: String) in testcases.filter { !$0.elements(forName: child).isEmpty }.count }
            #expect(!testcases.isEmpty)
            #expect(suite.attribute(forName: "tests")?.stringValue == String(testcases.count))
            #expect(suite.attribute(forName: "failures")?.stringValue == String(count("failure")))
            #expect(suite.attribute(forName: "errors")?.stringValue == String(count("error")))
            #expect(suite.attribute(forName: "skipped")?.stringValue == String(count("skipped")))
            total += testcases.count
        }
        #expect(root.attribute(forName: "tests")?.stringValue == String(total))
        let hello = try suite("swiftvm/hello", in: document)
        #expect(cases(hello).map { $0.attribute(forName: "name")?.stringValue } == ["boot.protocol", "boot.cmdline"])
        #expect(cases(hello).allSatisfy { $0.attribute(forName: "classname")?.stringValue == "swiftvm.hello" })
        #expect(hello.attribute(forName: "time")?.stringValue == "0.125")
    }

    @Test func mapsEveryOutcome() throws {
        let document = try parsed()
        func only(_ name: String, _ child: String) throws -> XMLElement {
            let elements = try cases(suite(name, in: document)).flatMap { $0.elements(forName: child) }
            try #require(elements.count == 1, "\(name): \(elements.count) <\(child)>")
            return elements[0]
        }
        #expect(try only("swiftvm/cpuid-basic", "failure").attribute(forName: "message")?.stringValue?.contains("expected 0x1 got 0x0") == true)
        #expect(try only("swiftvm/smp-4", "skipped").attribute(forName: "message")?.stringValue?
            .hasPrefix("xfail: APIC IDs are not unique yet (https://example.org/swiftvm/issues/7)") == true)
        #expect(try only("qemu/smp-4", "failure").attribute(forName: "message")?.stringValue?.hasPrefix("unexpectedly passed: ") == true)
        #expect(try only("swiftvm/pci-scan", "skipped").attribute(forName: "message")?.stringValue == "no PCI host bridge")
        #expect(try only("qemu/pci-scan", "skipped").attribute(forName: "message")?.stringValue == "no PCI bus on this machine type")
        #expect(try only("qemu/hang", "error").attribute(forName: "type")?.stringValue == "timeout")
        #expect(try only("qemu/triple-fault", "error").attribute(forName: "type")?.stringValue == "crash")
        #expect(try only("swiftvm/garbage", "error").attribute(forName: "type")?.stringValue == "error")
        for expected in ["swiftvm/hang", "swiftvm/triple-fault"] {
            let testcases = try cases(suite(expected, in: document))
            #expect(testcases.map { $0.attribute(forName: "name")?.stringValue } == [JUnitWriter.runCaseName])
            #expect(testcases.allSatisfy { $0.childCount == 0 || $0.children?.allSatisfy { $0.kind == .text } == true })
        }
    }

    @Test func xfailWithoutFailingCaseStillSaysSoAndFailWithoutCasesFails() {
        let xfail = SampleReport.result("x", "d", .xfail, reason: "exit 3", expectation: SampleReport.xfail)
        #expect(JUnitWriter.testCases(for: xfail).map(\.verdict) == [.skipped(message: "xfail: APIC IDs are not unique yet (https://example.org/swiftvm/issues/7) — exit 3")])
        let fail = SampleReport.result("y", "d", .fail, expected: false, reason: "exit 1 after complete report")
        guard case .failure(let message, _) = JUnitWriter.testCases(for: fail).last?.verdict else {
            Issue.record("fail without cases must produce a failure"); return
        }
        #expect(message == "exit 1 after complete report")
    }

    @Test func hostileTextStaysTextAndControlCharactersAreGone() throws {
        let xml = JUnitWriter.render(report)
        #expect(!xml.contains("<script>"))
        #expect(!xml.contains("<img"))
        #expect(!xml.contains("<b>bold"))
        #expect(!SampleReport.hasIllegalXMLCharacter(xml))
        #expect(!xml.contains("\u{1B}"))
        let document = try parsed()
        let garbage = try suite("swiftvm/garbage", in: document)
        let out = try #require(garbage.elements(forName: "system-out").first?.stringValue)
        #expect(out.contains("<script>alert(1)</script>"))
        #expect(out.contains("]]> end of CDATA"))
        #expect(out.contains("NUL:␀: bell:␇:"))
        #expect(out.contains("red bold\n"))
        #expect(out.contains("bad\u{FFFD}\u{FFFD}("))
        #expect(out.hasSuffix(ReportFormat.cutNote + "\n"))
        #expect(!out.contains("\r"))
        let err = try #require(garbage.elements(forName: "system-err").first?.stringValue)
        #expect(err.contains("missing END line") && err.contains("stderr with colour and ␀ NUL"))
        let failing = try cases(suite("swiftvm/cpuid-basic", in: document))
        #expect(failing.last?.attribute(forName: "name")?.stringValue == SampleReport.hostileCaseName)
    }

    @Test func propertiesDescribeDriverTestAndHost() throws {
        let suite = try suite("qemu/smp-4", in: parsed())
        let properties = suite.elements(forName: "properties").first?.elements(forName: "property") ?? []
        var values: [String: String] = [:]
        for property in properties {
            values[property.attribute(forName: "name")?.stringValue ?? ""] = property.attribute(forName: "value")?.stringValue
        }
        #expect(values["driver"] == "qemu")
        #expect(values["driver.version"] == "QEMU emulator version 8.2.2")
        #expect(values["driver.machine"] == "microvm")
        #expect(values["driver.accel"] == "kvm")
        #expect(values["kernel"] == "smp_4")
        #expect(values["groups"] == "smp")
        #expect(values["host.kernel"] == "6.1.0-25-amd64")
        #expect(values["host.cpu"] == "AMD EPYC 7763 64-Core Processor")
        #expect(values["host.kvm"] == "/dev/kvm usable (API 12)")
        #expect(values["expectation"] == "xfail: APIC IDs are not unique yet (https://example.org/swiftvm/issues/7)")
        #expect(values["command"] == "/usr/bin/qemu-system-x86_64 --kernel TestGuests/build/smp-4.elf --append 'it'\\''s a \"test\"'")
    }

    /// GitLab and Jenkins show 0 s for a testcase without `time`; the cases of a kernel share its wall time.
    @Test func everyTestcaseHasATimeAndTheyAddUpToTheSuite() throws {
        let document = try parsed()
        for suite in try document.nodes(forXPath: "//testsuite").compactMap({ $0 as? XMLElement }) {
            let times = try cases(suite).map { try #require(Double($0.attribute(forName: "time")?.stringValue ?? "")) }
            let total = try #require(Double(suite.attribute(forName: "time")?.stringValue ?? ""))
            #expect(abs(times.reduce(0, +) - total) <= 0.001 * Double(times.count), "\(suite.attribute(forName: "name")?.stringValue ?? "")")
        }
        let hello = try suite("swiftvm/hello", in: document)
        #expect(cases(hello).map { $0.attribute(forName: "time")?.stringValue } == ["0.062", "0.062"])
    }

    /// Jenkins splits a classname at its last dot: one dot, between driver and test.
    @Test func classnamesHaveExactlyOneDot() throws {
        #expect(JUnitWriter.className(driver: "swiftvm", test: "conf-pci-1.0") == "swiftvm.conf-pci-1_0")
        #expect(JUnitWriter.className(driver: "qemu@run.2", test: "a.b.c") == "qemu@run_2.a_b_c")
        var dotted = report
        dotted.results[0].test = "conf-pci-1.0"
        let document = try XMLDocument(xmlString: JUnitWriter.render(dotted), options: [])
        let names = try document.nodes(forXPath: "//testcase/@classname").compactMap(\.stringValue)
        #expect(names.allSatisfy { $0.filter { $0 == "." }.count == 1 })
        #expect(names.contains("swiftvm.conf-pci-1_0"))
        #expect(try document.nodes(forXPath: "//testsuite[@name='swiftvm/conf-pci-1.0']").count == 1)
    }

    /// GitLab shows a failed testcase's own output, not the suite's: console and VMM tails go there too.
    @Test func failedAndErroredTestcasesCarryTheirOutput() throws {
        let document = try parsed()
        for path in ["//testcase[failure]", "//testcase[error]"] {
            let bad = try document.nodes(forXPath: path).compactMap { $0 as? XMLElement }
            #expect(!bad.isEmpty)
            for testcase in bad {
                let out = try #require(testcase.elements(forName: "system-out").first?.stringValue)
                let err = try #require(testcase.elements(forName: "system-err").first?.stringValue)
                #expect(out.hasPrefix("[tck] console of ") || out.hasPrefix("[tck] the console and VMM output of "))
                #expect(!err.isEmpty)
            }
        }
        let garbage = try cases(suite("swiftvm/garbage", in: document)).first { !$0.elements(forName: "error").isEmpty }
        let out = try #require(garbage?.elements(forName: "system-out").first?.stringValue)
        #expect(out.contains("<script>alert(1)</script>") && out.hasSuffix(ReportFormat.cutNote + "\n"))
        #expect(garbage?.elements(forName: "system-err").first?.stringValue?.contains("stderr with colour") == true)
        // Passing and skipped testcases carry none.
        #expect(try document.nodes(forXPath: "//testcase[not(failure) and not(error)]/system-out").isEmpty)
    }

    @Test func severalFailedCasesShareOneCopyOfTheOutput() throws {
        var many = report
        let index = try #require(many.results.firstIndex { $0.key == "swiftvm/cpuid-basic" })
        many.results[index].cases = [CaseResult(name: "a", status: .fail, message: "x"), CaseResult(name: "b", status: .fail, message: "y")]
        many.results[index].console = String(repeating: "console line\n", count: 50)
        let document = try XMLDocument(xmlString: JUnitWriter.render(many), options: [])
        let failed = try cases(suite("swiftvm/cpuid-basic", in: document))
        #expect(failed[0].elements(forName: "system-out").first?.stringValue?.contains("console line") == true)
        #expect(failed[1].elements(forName: "system-out").first?.stringValue
                == "[tck] the console and VMM output of swiftvm/cpuid-basic are in testcase 'a' of this suite\n")
    }

    @Test func theLogFilesAreNamedInTheOutputAndTheProperties() throws {
        let written = ReportLogs.split(report).report
        let document = try XMLDocument(xmlString: JUnitWriter.render(written), options: [])
        let hello = try suite("swiftvm/hello", in: document)
        #expect(hello.elements(forName: "system-out").first?.stringValue?
            .hasPrefix("[tck] console of swiftvm/hello: full log: logs/swiftvm/hello.console.log\n") == true)
        let properties = hello.elements(forName: "properties").first?.elements(forName: "property") ?? []
        let values = Dictionary(uniqueKeysWithValues: properties.map {
            ($0.attribute(forName: "name")?.stringValue ?? "", $0.attribute(forName: "value")?.stringValue ?? "")
        })
        #expect(values["log.console"] == "logs/swiftvm/hello.console.log" && values["log.vmm"] == "logs/swiftvm/hello.vmm.log")
    }

    /// Only the attributes the Ant/Jenkins format defines on the root.
    @Test func theRootHasOnlyDefinedAttributes() throws {
        let root = try #require(try parsed().rootElement())
        #expect(Set(root.attributes?.compactMap(\.name) ?? []) == ["name", "tests", "failures", "errors", "time"])
    }

    /// The Ant/Jenkins JUnit schema kept beside these tests (Fixtures/junit-ant.xsd), checked by xmllint
    /// when it is installed (Debian libxml2-utils); scripts/check-reports.sh checks real runs the same way.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/xmllint"), "xmllint not installed"))
    func validAgainstTheAntJUnitSchema() throws {
        let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/junit-ant.xsd").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("junit-xsd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var empty = report
        empty.results = []
        for (name, run) in [("sample", report), ("written", ReportLogs.split(report).report), ("empty", empty)] {
            let path = dir + "/\(name).xml"
            try JUnitWriter.render(run).write(toFile: path, atomically: true, encoding: .utf8)
            let xmllint = Process()
            xmllint.executableURL = URL(fileURLWithPath: "/usr/bin/xmllint")
            xmllint.arguments = ["--noout", "--schema", schema, path]
            let errors = Pipe()
            xmllint.standardError = errors
            try xmllint.run()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            xmllint.waitUntilExit()
            #expect(xmllint.terminationStatus == 0, "\(name): \(message)")
        }
    }

    @Test func anEmptyRunIsStillValidJUnit() throws {
        var empty = report
        empty.results = []
        let document = try XMLDocument(xmlString: JUnitWriter.render(empty), options: [])
        #expect(document.rootElement()?.attribute(forName: "tests")?.stringValue == "0")
    }
}
