import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import ABI
import TestSupport
import TCK
@testable import Reports

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The iasl the tck CLI would use (nil: not installed).
let iasl = IASLDisassembler.find()

func baseline(_ machine: String) throws -> Fingerprint {
    let data = try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/Reports/abi/\(machine).json"))
    return try JSONDecoder().decode(Fingerprint.self, from: data)
}

func change(_ item: String, area: String = "acpi", _ compatibility: ABIChange.Compatibility = .breaking) -> ABIChange {
    ABIChange(area: area, item: item, kind: .changed, old: "1", new: "0", compatibility: compatibility)
}

@Suite struct WaiverTests {
    let file = """
        # accepted differences
        [invtsc-1.1]
        machine = swiftvm-1.1
        item = CPUID.80000007.0:EDX[8] invtsc
        reason = 1.1 adds the invariant TSC on purpose
        link = https://example.invalid/abi/1

        [edu-device]
        machine = swiftvm-1.*
        item = PCI 00:01.0*
        reason = the test device of 1.1

        [everywhere]
        machine = *
        item = FADT ?lags: RESET_REG_SUP
        reason = glob with ? and literal brackets elsewhere
        """

    @Test func aWaiverFileLoadsAndMatchesExactlyOrByGlob() throws {
        let waivers = try ABIWaivers.parse(text: file, file: "w.cfg")
        #expect(waivers.map(\.name) == ["invtsc-1.1", "edu-device", "everywhere"])
        #expect(waivers[0].link == "https://example.invalid/abi/1" && waivers[0].line == 2)
        var result = ABIDiffResult(old: "a", new: "b", changes: [
            change("CPUID.80000007.0:EDX[8] invtsc", area: "cpuid", .compatible),
            change("CPUID.80000007.0:EDX[9]", area: "cpuid"),
            change("PCI 00:01.0 BAR2", area: "pci"),
            change("FADT flags: RESET_REG_SUP"),
        ], contextChanges: [])
        ABIWaivers.apply(waivers, to: &result, machine: "swiftvm-1.1")
        #expect(result.changes.map(\.waiver) == ["invtsc-1.1", nil, "edu-device", "everywhere"])
        #expect(result.changes[0].waiverReason == "1.1 adds the invariant TSC on purpose (https://example.invalid/abi/1)")
        #expect(result.unusedWaivers.isEmpty)
        #expect(result.breakingUnwaived.map(\.item) == ["CPUID.80000007.0:EDX[9]"])
        #expect(result.text.contains("(waived: edu-device)"))
    }

    @Test func waiversForOtherMachinesDoNotApplyAndUnusedOnesAreReported() throws {
        let waivers = try ABIWaivers.parse(text: file)
        var result = ABIDiffResult(old: "a", new: "b", changes: [change("PCI 00:01.0 BAR2", area: "pci")], contextChanges: [])
        ABIWaivers.apply(waivers, to: &result, machine: "swiftvm-2.0")
        #expect(result.changes[0].waiver == nil)
        #expect(result.unusedWaivers == ["everywhere"])
        #expect(result.text.contains("warning: waiver [everywhere] matched no change"))
        var other = ABIDiffResult(old: "a", new: "b", changes: [change("PCI 00:01.0 BAR2", area: "pci")], contextChanges: [])
        ABIWaivers.apply(waivers, to: &other, machine: "swiftvm-1.0")
        #expect(other.changes[0].waiver == "edu-device")
        #expect(other.unusedWaivers == ["everywhere"])
    }

    @Test func globsTreatBracketsLiterally() {
        #expect(Glob.matches("CPUID.7.0:EBX[9] *", "CPUID.7.0:EBX[9] erms"))
        #expect(!Glob.matches("CPUID.7.0:EBX[9] *", "CPUID.7.0:EBX[8] bmi2"))
        #expect(Glob.matches("*", ""))
        #expect(Glob.matches("a*b*c", "aXXbYYc") && !Glob.matches("a*b*c", "aXXbYY"))
        #expect(Glob.matches("swiftvm-1.?", "swiftvm-1.1") && !Glob.matches("swiftvm-1.?", "swiftvm-1.10"))
    }

    @Test(arguments: [
        ("[a]\nmachine = x\nitem = y\nreason = z\ncolour = red\n", 5, "unknown key 'colour' in [a]"),
        ("[a]\nmachine = x\nmachine = y\n", 3, "key 'machine' appears twice in [a] (first on line 2)"),
        ("[a]\nmachine = x\nitem = y\nreason = z\n\n[a]\n", 6, "waiver [a] appears twice (first on line 1)"),
        ("[a]\nmachine = x\nitem = y\n", 1, "[a] has no 'reason'"),
        ("machine = x\n", 1, "key 'machine' is outside any [waiver]"),
        ("[a b]\n", 1, "waiver name 'a b' is not a name"),
        ("[a]\nmachine =\n", 2, "'machine' in [a] is empty"),
        ("[a]\njust text\n", 2, "expected 'key = value'"),
        ("[a\n", 1, "has no closing ']'"),
    ])
    func loadingIsStrictAndNamesTheLine(text: String, line: Int, message: String) {
        do {
            _ = try ABIWaivers.parse(text: text, file: "waivers.cfg")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.description.hasPrefix("waivers.cfg:\(line): "), "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }

    /// The committed file loads, and holds exactly the waivers it declares (today none: every machine
    /// type matches its baseline, so any waiver here would be stale and fail the gate).
    @Test func theCommittedWaiverFileLoadsWithTheWaiversItDeclares() throws {
        let path = packageRoot + "/Reports/abi/waivers.cfg"
        let waivers = try ABIWaivers.load(path: path)
        let declared = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("[") }
        #expect(waivers.count == declared.count)
        #expect(waivers.isEmpty, "waivers.cfg says no difference is waived today")
    }
}

/// A 276-byte FADT (ACPI 6) with the fields the tests vary.
func fadt(flags: UInt32, bootArch: UInt16, sci: UInt16, dsdt: UInt32, length: Int = 276) -> [UInt8] {
    var table = [UInt8](repeating: 0, count: 276)
    func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        for index in 0..<MemoryLayout<T>.size { table[offset + index] = UInt8(truncatingIfNeeded: value >> (index * 8)) }
    }
    table.replaceSubrange(0..<4, with: Array("FACP".utf8))
    put(UInt32(length), at: 4)
    table[8] = 6
    table.replaceSubrange(10..<16, with: Array("SWIFVM".utf8))
    put(dsdt, at: 40)
    put(sci, at: 46)
    put(bootArch, at: 109)
    put(flags, at: 112)
    table[116] = 1; table[117] = 8; put(UInt64(0xCF9), at: 120)  // RESET_REG: SystemIO 0xcf9
    table[128] = 6
    return Array(table.prefix(length))
}

@Suite struct DiffRefinementTests {
    @Test func fadtFlagsAndFieldsAreNamed() throws {
        let old = try fingerprint { $0.add(3, $0.le(UInt64(0xE0080)) + fadt(flags: 1 << 10 | 1 << 20, bootArch: 0b11, sci: 9, dsdt: 0xE0210)) }
        let new = try fingerprint { $0.add(3, $0.le(UInt64(0xE0080)) + fadt(flags: 1 << 20 | 1 << 4, bootArch: 0b01, sci: 10, dsdt: 0xE0300)) }
        let changes = ABIDiff.compare(old, new).changes
        let summaries = changes.map(\.summary)
        #expect(summaries.contains("FADT flags: RESET_REG_SUP 1→0"))
        #expect(summaries.contains("FADT flags: PWR_BUTTON 0→1"))
        #expect(summaries.contains("FADT IAPC_BOOT_ARCH: 8042 1→0"))
        #expect(summaries.contains("FADT SCI_INT 9 (0x0009)→10 (0x000a)"))
        #expect(changes.first { $0.item == "FADT DSDT" }?.compatibility == .compatible)
        #expect(!summaries.contains { $0.contains("bytes differ") })
        #expect(FADTDiff.decode(fadt(flags: 0, bootArch: 0, sci: 0, dsdt: 0))["RESET_REG"] == "SystemIO 0x0000000000000cf9, 8 bits at bit 0, access size 0")
    }

    @Test func anOlderShorterFADTLosesFieldsByName() throws {
        let old = try fingerprint { $0.add(3, $0.le(UInt64(0xE0080)) + fadt(flags: 0, bootArch: 0, sci: 9, dsdt: 1)) }
        let new = try fingerprint { $0.add(3, $0.le(UInt64(0xE0080)) + fadt(flags: 0, bootArch: 0, sci: 9, dsdt: 1, length: 116)) }
        let summaries = ABIDiff.compare(old, new).changes.map(\.summary)
        #expect(summaries.contains { $0.hasPrefix("FADT RESET_REG removed (was SystemIO 0x0000000000000cf9") })
        #expect(summaries.contains { $0.hasPrefix("FADT X_DSDT removed") })
    }

    @Test func decodersAreTotalOnHostileBytes() {
        // Seeded (printed; TEST_SEED replays): every decoder returns, a table equals itself, and an MADT
        // yields at most one entry per two bytes past its 44-byte header, plus its header fields.
        var generator = SplitMix64(seed: testSeed("decodersAreTotalOnHostileBytes"))
        for length in [0, 1, 35, 36, 37, 44, 45, 110, 113, 117, 131, 275, 276, 277, 400] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = FADTDiff.compare(bytes, Array(bytes.reversed()))
            #expect(FADTDiff.compare(bytes, bytes).isEmpty)
            #expect(ACPIDiff.madtEntries(hexBytes(bytes)).count <= max(0, length - 44) / 2 + (length >= 44 ? 1 : 0))
            _ = AMLDiff.devices(in: String(decoding: bytes, as: UTF8.self))
        }
        _ = AMLDiff.devices(in: "}}}} Device (\\^^^X) { Name (_HID, \n Scope (^^^^) {{{{")
    }

    @Test func memoryMapChangesAreClassifiedByWhatTheGuestLoses() {
        func range(_ address: UInt64, _ size: UInt64, _ type: UInt32) -> MemoryRange {
            MemoryRange(address: hex(address), size: hex(size), type: type)
        }
        let old = [range(0, 0x9FC00, 1), range(0x100000, 0x3F00000, 1)]
        let shrunk = [range(0, 0x9FC00, 1), range(0x100000, 0x1F00000, 1), range(0xFEC00000, 0x1000, 2), range(0x200000, 0x1000, 2)]
        let changes = ABIDiff.memoryMap(old, shrunk)
        #expect(changes.first { $0.item == "range at 0x0000000000100000" }?.compatibility == .breaking)
        #expect(changes.first { $0.item == "range at 0x00000000fec00000" }?.compatibility == .compatible)
        // A reserved range carved out of RAM the guest had is breaking.
        #expect(changes.first { $0.item == "range at 0x0000000000200000" }?.compatibility == .breaking)
        let grown = ABIDiff.memoryMap(old, [range(0, 0x9FC00, 1), range(0x100000, 0x7F00000, 1)])
        #expect(grown.map(\.compatibility) == [.compatible])
        #expect(grown[0].new == "size 0x0000000007f00000 (127 MiB) type 1 (RAM)")
        // A repeated address (QEMU ends its e820 with a zero entry) is kept apart, not merged.
        let repeated = ABIDiff.memoryMap(old, old + [range(0, 0, 0)])
        #expect(repeated.map(\.item) == ["range at 0x0000000000000000 #2"])
    }

    @Test func unifiedDiffIsBoundedAndCorrect() {
        let a = (1...20).map { "line \($0)" }.joined(separator: "\n")
        let b = a.replacingOccurrences(of: "line 10", with: "line ten")
        let diff = AMLDiff.unifiedDiff(a, b, oldLabel: "old", newLabel: "new")
        #expect(diff == ["--- old", "+++ new", "@@ -7,7 +7,7 @@", " line 7", " line 8", " line 9", "-line 10", "+line ten",
                         " line 11", " line 12", " line 13"].joined(separator: "\n"))
        let long = AMLDiff.unifiedDiff(a, (1...400).map { "x\($0)" }.joined(separator: "\n"), oldLabel: "o", newLabel: "n", maximumLines: 50)
        #expect(long.split(separator: "\n").count == 51)
        #expect(long.hasSuffix("more diff lines not shown"))
        #expect(AMLDiff.unifiedDiff(a, a, oldLabel: "o", newLabel: "n").isEmpty)
    }

    @Test(.enabled(if: iasl != nil, "needs iasl (acpica-tools) for the ASL diff"))
    func aDSDTChangeCarriesTheASLDiffAndDeviceChanges() throws {
        let old = try baseline("swiftvm-1.0")
        var new = old
        var table = ABIRecordDecoder.bytes(fromHex: old.abi.acpi["DSDT"]!.bytes)!
        let at = try #require(findSubsequence(table, Array("COM1".utf8)))
        table.replaceSubrange(at..<(at + 4), with: Array("COM2".utf8))
        table[9] = table[9] &- 1  // keep the checksum right: '2' is one more than '1'
        new.abi.acpi["DSDT"]!.bytes = hexBytes(table)
        let changes = ABIDiff.compare(old, new, disassembler: iasl).changes
        let content = try #require(changes.first { $0.item == "DSDT content" })
        let detail = try #require(content.detail)
        #expect(detail.hasPrefix("--- old/DSDT.dsl\n+++ new/DSDT.dsl\n@@"))
        #expect(detail.contains("\n-        Device (COM1)") && detail.contains("\n+        Device (COM2)"))
        #expect(changes.map(\.summary).contains("DSDT device \\_SB.COM1 removed (was _HID PNP0501)"))
        #expect(changes.map(\.summary).contains("DSDT device \\_SB.COM2 added (_HID PNP0501)"))
        // Older JSON without "detail" still decodes; the detail survives a round trip.
        let data = try JSONEncoder().encode(changes)
        #expect(try JSONDecoder().decode([ABIChange].self, from: data) == changes)
        let legacy = #"{"area":"acpi","item":"x","kind":"changed","compatibility":"breaking"}"#
        #expect(try JSONDecoder().decode(ABIChange.self, from: Data(legacy.utf8)).detail == nil)
    }

    /// 1.1 → 1.2 adds `_PRT` to PCI0 and nothing else in the DSDT: only added ASL lines, so compatible;
    /// the reverse removes them, so breaking.
    @Test(.enabled(if: iasl != nil, "needs iasl (acpica-tools) for the ASL diff"))
    func aDSDTThatOnlyGainsObjectsIsCompatibleAndLosingThemIsBreaking() throws {
        let (v11, v12) = (try baseline("swiftvm-1.1"), try baseline("swiftvm-1.2"))
        let forward = try #require(ABIDiff.compare(v11, v12, disassembler: iasl).changes.first { $0.item == "DSDT content" })
        #expect(forward.compatibility == .compatible)
        #expect(forward.new?.hasSuffix("(ASL lines only added)") == true)
        #expect(forward.detail?.contains("+            Name (_PRT, Package (0x01)") == true, "\(forward.detail ?? "")")
        let backward = try #require(ABIDiff.compare(v12, v11, disassembler: iasl).changes.first { $0.item == "DSDT content" })
        #expect(backward.compatibility == .breaking)
    }

    private func findSubsequence(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }
}

@Suite struct ABIReportRenderingTests {
    static let hostile = "<script>alert(1)</script> ]]> &amp; \u{1B}[31mred\u{1B}[0m \u{0}\u{7F}\u{85} \"quoted\" 'x'"

    func hostileResult() -> ABIDiffResult {
        var waived = ABIChange(area: "pci", item: "PCI 00:02.0 " + Self.hostile, kind: .added, old: nil, new: Self.hostile, compatibility: .compatible)
        waived.waiver = "w-1"
        waived.waiverReason = Self.hostile
        return ABIDiffResult(old: "old " + Self.hostile, new: "new.json", changes: [
            ABIChange(area: "acpi", item: "DSDT content", kind: .changed, old: nil, new: "1 byte differs",
                      compatibility: .breaking, detail: "--- old\n+++ new\n@@ -1 +1 @@\n-" + Self.hostile + "\n+ok"),
            ABIChange(area: "acpi", item: "FADT flags: " + Self.hostile, kind: .changed, old: "1", new: "0", compatibility: .breaking),
            ABIChange(area: Self.hostile, item: Self.hostile, kind: .removed, old: Self.hostile, new: nil, compatibility: .breaking),
            waived,
        ], contextChanges: ["host kernel: " + Self.hostile], unusedWaivers: ["stale-" + Self.hostile])
    }

    @Test func theHTMLParsesBackAndHostileTextStaysText() throws {
        let html = ABIDiffHTML.render(hostileResult())
        let document = try XMLDocument(xmlString: String(html.dropFirst("<!DOCTYPE html>\n".count)), options: [])
        #expect(try document.nodes(forXPath: "//*[local-name()='script']").isEmpty)
        #expect(!html.contains("<script>") && !html.contains("\u{1B}") && !html.contains("\u{0}"))
        let rows = try document.nodes(forXPath: "//*[local-name()='tr'][contains(@class,'change')]") as! [XMLElement]
        #expect(rows.map { $0.value("id") } == ["change-0", "change-1", "change-3", "change-2"])
        #expect(rows.filter { $0.value("class")?.contains("breaking") == true }.count == 3)
        #expect(rows.first { $0.value("data-waived") == "true" } != nil)
        let text = document.rootElement()?.stringValue ?? ""
        #expect(text.contains("<script>alert(1)</script> ]]> &amp;"))
        #expect(text.contains("waiver [w-1]"))
        #expect(try document.nodes(forXPath: "//*[@id='unused-waivers']").count == 1)
        #expect(try document.nodes(forXPath: "//*[local-name()='pre'][@class='detail']").count == 1)
        #expect(try document.nodes(forXPath: "//*[@id='breaking-count']/@data-count").first?.stringValue == "3")
        #expect(!ABIStyle.css.contains { "<>&".contains($0) })
        // Every in-page link has a target.
        let ids = Set(try document.nodes(forXPath: "//@id").compactMap(\.stringValue))
        for href in try document.nodes(forXPath: "//@href").compactMap(\.stringValue) where href.hasPrefix("#") {
            #expect(ids.contains(String(href.dropFirst())), "dangling \(href)")
        }
    }

    @Test func theJUnitHasOneTestcasePerAreaAndFailsOnBreakingUnwaived() throws {
        let xml = ABIDiffJUnit.render(hostileResult(), gate: .breaking)
        let document = try XMLDocument(xmlString: xml, options: [])
        let cases = try document.nodes(forXPath: "//testcase") as! [XMLElement]
        let names = cases.compactMap { $0.attribute(forName: "name")?.stringValue }
        #expect(Array(names.prefix(ABIDiffResult.areas.count)) == ABIDiffResult.areas)
        #expect(names.contains("waivers"))
        let failed = try document.nodes(forXPath: "//testcase[failure]/@name").compactMap(\.stringValue)
        #expect(failed.count == 2 && failed.contains("acpi"))  // acpi and the hostile area; pci is waived
        let message = try document.nodes(forXPath: "//testcase[@name='acpi']/failure/@message").first?.stringValue ?? ""
        #expect(message.hasPrefix("2 breaking changes: DSDT content: 1 byte differs; FADT flags: <script>"))
        #expect(try document.nodes(forXPath: "/testsuites/@failures").first?.stringValue == "2")
        // In check mode any unwaived change fails, and so does a stale waiver.
        let check = try XMLDocument(xmlString: ABIDiffJUnit.render([("swiftvm-1.1", hostileResult())], gate: .anyChange), options: [])
        #expect(try check.nodes(forXPath: "//testcase[@name='waivers']/failure").count == 1)
    }

    @Test func theReportPageShowsEachMachineTypeWithLinkedItems() throws {
        let v10 = try baseline("swiftvm-1.0"), v11 = try baseline("swiftvm-1.1")
        let transition = ABIDiff.compare(v10, v11, oldName: "swiftvm-1.0", newName: "swiftvm-1.1")
        let html = ABIReportPage.render(machines: [
            .init(name: "swiftvm-1.0", fingerprint: v10, path: "Reports/abi/swiftvm-1.0.json"),
            .init(name: "swiftvm-1.1", fingerprint: v11, path: "Reports/abi/swiftvm-1.1.json"),
        ], transitions: [.init(from: "swiftvm-1.0", to: "swiftvm-1.1", result: transition)], against: nil, release: "test")
        let document = try XMLDocument(xmlString: String(html.dropFirst("<!DOCTYPE html>\n".count)), options: [])
        let rows = try document.nodes(forXPath: "//*[@id='matrix']//*[@data-machine]/@data-machine").compactMap(\.stringValue)
        #expect(rows == ["swiftvm-1.0", "swiftvm-1.1"])
        let links = try document.nodes(forXPath: "//*[@data-machine='swiftvm-1.1']//*[local-name()='a']") as! [XMLElement]
        let texts = links.compactMap(\.stringValue)
        #expect(texts.contains("CPUID.80000007.0:EDX[8] invtsc 0→1"))
        #expect(texts.contains("PCI 00:01.0 added (0x1b36:0x0005 class 0x00ff00)"))
        let ids = Set(try document.nodes(forXPath: "//@id").compactMap(\.stringValue))
        for link in links {
            let href = link.value("href") ?? ""
            // Each change links to its detail; the masked-items count links to the masked section.
            #expect((href.hasPrefix("#t1-change-") || href == "#t1-masked") && ids.contains(String(href.dropFirst())), "\(href)")
        }
    }
}

extension XMLElement {
    /// An attribute's value (`attribute(forName:)` misses attributes of namespaced elements in
    /// swift-corelibs-foundation, so look through `attributes`).
    func value(_ name: String) -> String? { attributes?.first { $0.name == name }?.stringValue }
}
