import Testing
import TCK
import TestSupport

@Suite struct ResultProtocolTests {
    @Test func readsARealHelloTranscript() {
        let parsed = ResultProtocol.parse(Fixtures.bytes(Fixtures.helloTranscript))
        #expect(parsed.errors == [])
        #expect(parsed.kernel == "hello")
        #expect(parsed.isComplete)
        #expect(parsed.summary == ParsedConsole.Counts(pass: 3, fail: 0, skip: 1))
        #expect(parsed.cases == [
            CaseResult(name: "boot.protocol", status: .pass, message: "PVH"),
            CaseResult(name: "boot.cmdline_visible", status: .skip, message: "empty command line"),
            CaseResult(name: "memmap.nonempty", status: .pass),
            CaseResult(name: "memmap.ram_at_1m", status: .pass),
        ])
        #expect(parsed.data.count == 7)
        #expect(parsed.data[1] == DataRecord(key: "boot.cmdline", value: ""))
        #expect(parsed.data[3] == DataRecord(key: "memmap.0", value: "addr=0x0 size=0x9fc00 type=1"))
        #expect(parsed.freeTextLines == 1)
        #expect(parsed.lineCount == 14)
    }

    @Test func crlfAndLoneCRAreLineEnds() {
        let text = Fixtures.failTranscript.replacingOccurrences(of: "\n", with: "\r\n")
        let parsed = ResultProtocol.parse(Fixtures.bytes(text))
        #expect(parsed.errors == [])
        #expect(parsed.cases.map(\.name) == ["fail.expected_pass", "fail.expected_fail"])
        #expect(parsed.cases[1].message == "this case fails on purpose")
        let lone = ResultProtocol.parse(Fixtures.bytes("TCK:1 BEGIN k\rTCK:1 END pass=0 fail=0 skip=0\r"))
        #expect(lone.errors == [] && lone.isComplete && lone.lineCount == 2)
    }

    @Test func garbageIsFreeTextWithoutBegin() {
        let garbage: [UInt8] = [0xFF, 0xFE, 0x00, 0x41, 0x0A, 0x1B, 0x5B, 0x32, 0x4A, 0x0A, 0x00, 0x00]
        let parsed = ResultProtocol.parse(garbage)
        #expect(parsed.freeTextLines == 3)
        #expect(parsed.cases.isEmpty && !parsed.hasBegin)
        #expect(parsed.errors == ["no BEGIN line: none of the 3 console lines is 'TCK:1 BEGIN <kernel>'"])
        #expect(ResultProtocol.parse([]).errors == ["no BEGIN line: the console is empty"])
    }

    @Test func outputTruncatedMidLineIgnoresTheCutLine() {
        let parsed = ResultProtocol.parse(Fixtures.bytes("TCK:1 BEGIN k\nTCK:1 CASE PASS a\nTCK:1 CASE PA"))
        #expect(parsed.cases.map(\.name) == ["a"])
        #expect(parsed.errors == [
            "line 3: the output ends inside this protocol line (no newline after it); it is ignored as possibly truncated",
            "no END line: the kernel stopped reporting after case 'a' (output ends at line 3)",
        ])
        // Free text without a final newline is fine.
        let tail = ResultProtocol.parse(Fixtures.transcript(cases: [("PASS", "a")]) + Fixtures.bytes("bye"))
        #expect(tail.errors == [] && tail.freeTextLines == 1)
    }

    @Test func missingEndIsAnError() {
        let parsed = ResultProtocol.parse(Fixtures.bytes("TCK:1 BEGIN smp\nTCK:1 CASE PASS smp.cpus_started\n"))
        #expect(parsed.hasBegin && !parsed.hasEnd && !parsed.isComplete)
        #expect(parsed.errors == ["no END line: the kernel stopped reporting after case 'smp.cpus_started' (output ends at line 2)"])
    }

    @Test func endCountsMustMatchTheCases() {
        let parsed = ResultProtocol.parse(Fixtures.transcript(cases: [("PASS", "a"), ("FAIL", "b")],
                                                              end: "TCK:1 END pass=2 fail=0 skip=0"))
        #expect(!parsed.countsAgree && !parsed.isComplete)
        #expect(parsed.reported == ParsedConsole.Counts(pass: 1, fail: 1, skip: 0))
        #expect(parsed.errors == ["line 4: END says pass=2 fail=0 skip=0 but the kernel reported pass=1 fail=1 skip=0 in CASE lines"])
    }

    @Test func linesAfterEndAndSecondBeginAndEndAreErrors() {
        let text = """
            TCK:1 CASE PASS early
            TCK:1 BEGIN k
            TCK:1 BEGIN again
            TCK:1 CASE PASS a
            TCK:1 END pass=1 fail=0 skip=0
            TCK:1 CASE FAIL late
            TCK:1 DATA late.key 1
            TCK:1 END pass=1 fail=0 skip=0

            """
        let parsed = ResultProtocol.parse(Fixtures.bytes(text))
        #expect(parsed.cases.map(\.name) == ["a"] && parsed.data.isEmpty && parsed.countsAgree)
        #expect(parsed.errors == [
            "line 1: CASE before BEGIN; ignored",
            "line 3: second BEGIN ('again'); ignored",
            "line 6: CASE after END; ignored",
            "line 7: DATA after END; ignored",
            "line 8: second END; ignored",
        ])
    }

    @Test func unknownVersionVerbAndMalformedCases() {
        let text = """
            TCK:1 BEGIN k
            TCK:2 CASE PASS a
            TCK:1 STATUS ok
            TCK:1 CASE MAYBE b
            TCK:1 CASE PASS bad name!
            TCK:1 CASE PASS c extra
            TCK:1
            TCK:1 DATA bad$key 1
            TCK:1 END pass=0 fail=0 skip=0

            """
        let parsed = ResultProtocol.parse(Fixtures.bytes(text))
        #expect(parsed.cases.isEmpty && parsed.isComplete)
        #expect(parsed.errors == [
            "line 2: unsupported protocol version 'TCK:2'; this tck reads version 1",
            "line 3: unknown verb 'STATUS' (expected BEGIN, CASE, DATA or END)",
            "line 4: malformed CASE: status 'MAYBE' is not PASS, FAIL or SKIP",
            "line 5: malformed CASE: expected ' :: <message>' after case name 'bad'",
            "line 6: malformed CASE: expected ' :: <message>' after case name 'c'",
            "line 7: protocol line has no verb (expected BEGIN, CASE, DATA or END)",
            "line 8: malformed DATA: key 'bad$key' is not of [A-Za-z0-9_.:/-]+",
        ])
    }

    @Test func invalidUTF8AndNULAreReplacedAndFlagged() {
        var bytes = Fixtures.bytes("TCK:1 BEGIN k\nTCK:1 CASE PASS a :: caf")
        bytes += [0xC3, 0x28, 0x00] + Fixtures.bytes("\nTCK:1 CASE PASS b\u{0}\nTCK:1 END pass=1 fail=0 skip=0\n")
        let parsed = ResultProtocol.parse(bytes)
        #expect(parsed.cases == [CaseResult(name: "a", status: .pass, message: "caf\u{FFFD}(\u{0}")])
        #expect(parsed.errors == [
            "line 2: protocol line contains a NUL byte",
            "line 2: protocol line is not valid UTF-8; bad bytes were replaced by U+FFFD",
            "line 3: protocol line contains a NUL byte",
            "line 3: malformed CASE: case name 'b\u{0}' is not of [A-Za-z0-9_.:/-]+",
        ])
    }

    @Test func manyCasesAreBoundedButCounted() {
        let cases = (0..<20_000).map { ("PASS", "c\($0)") }
        let parsed = ResultProtocol.parse(Fixtures.transcript(cases: cases))
        #expect(parsed.cases.count == ResultProtocol.maximumCases)
        #expect(parsed.reported.pass == 20_000 && parsed.isComplete)
        #expect(parsed.errors == ["line 10002: more than 10000 cases; later cases are counted but not recorded"])
    }

    @Test func dataRecordsAreBounded() {
        var text = "TCK:1 BEGIN k\n"
        for i in 0..<(ResultProtocol.maximumDataRecords + 5) { text += "TCK:1 DATA d.\(i) \(i)\n" }
        text += "TCK:1 END pass=0 fail=0 skip=0\n"
        let parsed = ResultProtocol.parse(Fixtures.bytes(text))
        #expect(parsed.data.count == ResultProtocol.maximumDataRecords)
        #expect(parsed.errors == ["line 100002: more than 100000 data records; later records are dropped"])
    }

    @Test func veryLongLinesAreCut() {
        let long = "TCK:1 DATA big " + String(repeating: "x", count: 10_000)
        let text = "TCK:1 BEGIN k\n\(long)\n\(String(repeating: "y", count: 5000))\nTCK:1 END pass=0 fail=0 skip=0\n"
        let parsed = ResultProtocol.parse(Fixtures.bytes(text))
        #expect(parsed.data.isEmpty && parsed.isComplete && parsed.freeTextLines == 1)
        #expect(parsed.errors == [
            "line 2: protocol line is 10015 bytes long, over the 4096-byte limit; it is ignored",
            "line 3: the line is 5000 bytes long, over the 4096-byte limit; it was cut",
        ])
    }

    @Test func protocolOnlyAtLineStartWithAHintForInterleavedOutput() {
        let text = "TCK:1 BEGIN smp\ncpu1 says hiTCK:1 DATA cpu.1 apic_id=1\nTCK:1 END pass=0 fail=0 skip=0\n"
        let parsed = ResultProtocol.parse(Fixtures.bytes(text))
        #expect(parsed.data.isEmpty && parsed.freeTextLines == 1)
        #expect(parsed.errors == ["line 2: 'TCK:' in the middle of the line is not read as protocol (output interleaved from another CPU?)"])
    }

    @Test func theErrorListIsBounded() {
        let text = "TCK:1 BEGIN k\n" + String(repeating: "TCK:9 x\n", count: 500) + "TCK:1 END pass=0 fail=0 skip=0\n"
        let parsed = ResultProtocol.parse(Fixtures.bytes(text))
        #expect(parsed.errors.count == ResultProtocol.maximumErrors + 1)
        #expect(parsed.errors.last == "400 more protocol problems are not listed")
    }

    @Test func endCountsMustBePlainNumbers() {
        for end in ["TCK:1 END pass=+1 fail=0 skip=0", "TCK:1 END pass=1 fail=0", "TCK:1 END fail=0 pass=1 skip=0",
                    "TCK:1 END pass=99999999999999999999 fail=0 skip=0", "TCK:1 END pass=1  fail=0 skip=0"] {
            let parsed = ResultProtocol.parse(Fixtures.transcript(cases: [("PASS", "a")], end: end))
            #expect(!parsed.hasEnd, "\(end)")
            #expect(parsed.errors.first == "line 3: malformed END: expected 'TCK:1 END pass=<n> fail=<n> skip=<n>'")
        }
    }

    @Test func caseNamesFollowTheGrammar() {
        #expect(ResultProtocol.isValidName("cpuid.00000001.0".utf8))
        #expect(ResultProtocol.isValidName("a-b_c:d/e.f".utf8))
        #expect(!ResultProtocol.isValidName("".utf8))
        #expect(!ResultProtocol.isValidName("a b".utf8))
        #expect(!ResultProtocol.isValidName("é".utf8))
    }

    /// 2,000 seeded random inputs: raw bytes, and transcripts with random lines spliced in and cut short.
    @Test func fuzzedInputsAlwaysReturn() {
        var random = SplitMix64(seed: 0x5EED_7C4B)
        let pieces = ["TCK:1 ", "TCK:", "BEGIN ", "CASE ", "PASS ", "FAIL ", "SKIP ", "DATA ", "END ", "pass=1 ",
                      "fail=0 ", "skip=", " :: ", "\n", "\r", "\r\n", "\u{0}", "é", "k", "a.b", "9999999999999999999"]
        for round in 0..<2_000 {
            var bytes: [UInt8] = []
            let length = Int.random(in: 0...512, using: &random)
            if round % 2 == 0 {
                bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            } else {
                while bytes.count < length {
                    if Int.random(in: 0..<8, using: &random) == 0 {
                        bytes.append(UInt8.random(in: 0...255, using: &random))
                    } else {
                        bytes += Array(pieces.randomElement(using: &random)!.utf8)
                    }
                }
            }
            let parsed = ResultProtocol.parse(bytes)
            #expect(parsed.errors.count <= ResultProtocol.maximumErrors + 3)
            #expect(parsed.cases.count == parsed.reported.total)
        }
    }
}
