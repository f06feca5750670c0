import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// `tck abi diff --html/--junit/--waivers` and `tck abi report` on the committed baselines (no VM needed),
/// and `tck abi check` with waivers and its report directory (boots the machine types).
struct ABIReportCLITests {
    static let v10 = TCKProcess.packageRoot + "/Reports/abi/swiftvm-1.0.json"
    static let v11 = TCKProcess.packageRoot + "/Reports/abi/swiftvm-1.1.json"

    static func xml(_ path: String, html: Bool = false) throws -> XMLDocument {
        var text = try String(contentsOfFile: path, encoding: .utf8)
        if html { text = String(text.dropFirst("<!DOCTYPE html>\n".count)) }
        return try XMLDocument(xmlString: text, options: [])
    }

    @Test func diffWritesHTMLAndJUnitThatParseBack() throws {
        let scratch = try Scratch(catalog: "")
        let output = try TCKProcess.run(["abi", "diff", Self.v10, Self.v11, "--html", scratch.reports("d.html"),
                                         "--junit", scratch.reports("d.xml")])
        #expect(output.status == 1, "\(output.stderr)")
        // 6 in the guest's view, and invtsc once more in the CPUID table programmed into KVM.
        #expect(output.stdout.contains("7 changes, 0 breaking"))
        #expect(output.stdout.contains("programmed-cpuid:\n    [compatible] CPUID.80000007.0:EDX[8] invtsc 0→1"))
        let html = try Self.xml(scratch.reports("d.html"), html: true)
        let rows = try html.nodes(forXPath: "//*[local-name()='tr'][@data-area]") as! [XMLElement]
        #expect(rows.filter { $0.value("class")?.hasPrefix("change") == true }.count == 7)
        let pageText: String = html.rootElement()?.stringValue ?? ""
        #expect(pageText.contains("CPUID.80000007.0:EDX[8] invtsc"))
        #expect(try html.nodes(forXPath: "//*[local-name()='script']").isEmpty)
        let junit = try Self.xml(scratch.reports("d.xml"))
        // One testcase per area (14), plus one skipped testcase per masked group (rule and side).
        #expect(try junit.nodes(forXPath: "//testcase[not(starts-with(@name, 'masked: '))]").count == 14)
        #expect(try junit.nodes(forXPath: "//testcase[@name='masked: host.kvm_pvm-cpuid-1-7']/skipped").count == 1)
        #expect(try junit.nodes(forXPath: "//failure").isEmpty)
        #expect(try junit.nodes(forXPath: "//testcase[@name='pci']/system-out").first?.stringValue?.contains("PCI 00:01.0 BAR2 added") == true)
    }

    @Test func waiversAcceptDifferencesAndStaleOnesAreReported() throws {
        let scratch = try Scratch(catalog: "")
        let waivers = scratch.reports("waivers.cfg")
        try """
            [invtsc]
            machine = swiftvm-1.1
            item = CPUID.80000007.0:EDX[8] invtsc
            reason = 1.1 adds the invariant TSC

            [edu]
            machine = swiftvm-1.*
            item = PCI 00:01.0*
            reason = 1.1 adds the test device
            """.write(toFile: waivers, atomically: true, encoding: .utf8)
        let accepted = try TCKProcess.run(["abi", "diff", Self.v10, Self.v11, "--waivers", waivers, "--html", scratch.reports("w.html")])
        #expect(accepted.status == 0, "\(accepted.stdout)\(accepted.stderr)")
        #expect(accepted.stdout.contains("7 changes, 0 breaking, 7 waived"))
        #expect(accepted.stdout.contains("(waived: edu)"))
        let html = try Self.xml(scratch.reports("w.html"), html: true)
        #expect(try html.nodes(forXPath: "//*[@id='waived-count']/@data-count").first?.stringValue == "7")

        try "[stale]\nmachine = swiftvm-1.1\nitem = CPUID.1.0:EAX*\nreason = gone\n".write(toFile: waivers, atomically: true, encoding: .utf8)
        let stale = try TCKProcess.run(["abi", "diff", Self.v10, Self.v11, "--waivers", waivers])
        #expect(stale.status == 1)
        #expect(stale.stdout.contains("warning: waiver [stale] matched no change"))

        try "[broken]\nmachine = swiftvm-1.1\nitme = x\n".write(toFile: waivers, atomically: true, encoding: .utf8)
        let broken = try TCKProcess.run(["abi", "diff", Self.v10, Self.v11, "--waivers", waivers])
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("waivers.cfg:3: unknown key 'itme' in [broken]"))
    }

    @Test func reportRendersTheMachineTypeMatrix() throws {
        let scratch = try Scratch(catalog: "")
        let output = try TCKProcess.run(["abi", "report", "--baselines", TCKProcess.packageRoot + "/Reports/abi",
                                         "-o", scratch.reports("index.html"), "--against", Self.v10])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("swiftvm-1.0 → swiftvm-1.1: 7 changes, 0 breaking"))
        let html = try Self.xml(scratch.reports("index.html"), html: true)
        let machines = try html.nodes(forXPath: "//*[@id='matrix']//*[@data-machine]/@data-machine").compactMap(\.stringValue)
        #expect(machines == ["swiftvm-1.0", "swiftvm-1.1", "swiftvm-1.2"])
        let items = try html.nodes(forXPath: "//*[@data-machine='swiftvm-1.1']/*[3]//*[local-name()='a']").compactMap(\.stringValue)
        #expect(items.contains("CPUID.80000007.0:EDX[8] invtsc 0→1"))
        #expect(items.contains { $0.hasPrefix("PCI 00:01.0 added") })
        #expect(output.stdout.contains("swiftvm-1.1 → swiftvm-1.2: 12 changes, 0 breaking"))
        // --against compares the newest machine type (1.2) with the given fingerprint (here 1.0: the reverse diff).
        #expect(try html.nodes(forXPath: "//*[local-name()='section'][@data-from='swiftvm-1.2']").count == 1)
    }

    @Test(.enabled(if: TCKProcess.kvmUsable, TCKProcess.kvmReason))
    func checkWritesItsReportsAndFailsOnAStaleWaiver() throws {
        let scratch = try Scratch(catalog: "")
        let waivers = scratch.reports("waivers.cfg")
        try "[stale]\nmachine = swiftvm-1.0\nitem = CPUID.*\nreason = nothing differs any more\n".write(toFile: waivers, atomically: true, encoding: .utf8)
        let output = try TCKProcess.run(["abi", "check", "--waivers", waivers, "--report-dir", scratch.reports("abi")])
        #expect(output.status == 1, "\(output.stdout)\(output.stderr)")
        #expect(output.stdout.contains("warning: waiver [stale] matched no change"))
        #expect(output.stdout.contains("tck abi check: 2 passed, 1 failed (1 only for unused waivers)"))
        for machine in ["swiftvm-1.0", "swiftvm-1.1", "swiftvm-1.2"] {
            _ = try Self.xml(scratch.reports("abi/\(machine).html"), html: true)
            _ = try Self.xml(scratch.reports("abi/\(machine).junit.xml"))
        }
        let junit = try Self.xml(scratch.reports("abi/junit.xml"))
        #expect(try junit.nodes(forXPath: "//testsuite").count == 3)
        #expect(try junit.nodes(forXPath: "//testsuite[@name='swiftvm-1.0']/testcase[@name='waivers']/failure").count == 1)
    }
}

extension XMLElement {
    func value(_ name: String) -> String? { attributes?.first { $0.name == name }?.stringValue }
}
