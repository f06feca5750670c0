import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import ABI
@testable import Reports

/// Masked items are counted and named in the HTML and JUnit reports, never silently equal.
@Suite struct ABIMaskedReportTests {
    static let hostile = ABIReportRenderingTests.hostile

    /// 8 items on both sides (one rule), 1 on the old side, 23 on the new side (one rule, cut at 20), a
    /// hostile rule/item on the new side; one change in a new area.
    func maskedResult(changes: [ABIChange]? = nil) -> ABIDiffResult {
        let kvm = ["CPUID.1.0:ECX", "CPUID.1.0:EDX", "CPUID.7.0:EAX", "CPUID.7.0:EBX", "CPUID.7.0:ECX", "CPUID.7.0:EDX",
                   "CPUID.1.0:ECX[5] vmx", "CPUID.7.0:EBX[9] erms"]
        var masked = kvm.map { MaskedItem(item: $0, rule: "host.kvm_pvm-cpuid-1-7", why: "kvm_pvm answers from the host CPU", side: .both) }
        masked.append(MaskedItem(item: "programmed tables (KVM_SET_CPUID2, MSR filter)", rule: "not captured",
                                 why: "the qemu driver cannot tell what it programmed into KVM", side: .old))
        masked += (0..<23).map { MaskedItem(item: "CMOS byte 0x\($0)", rule: "cmos.many", why: "test rule", side: .new) }
        masked.append(MaskedItem(item: "item " + Self.hostile, rule: "rule " + Self.hostile, why: "why " + Self.hostile, side: .new))
        return ABIDiffResult(old: "swiftvm-1.0", new: "swiftvm-1.1", changes: changes ?? [
            ABIChange(area: "programmed-msr", item: "MSR 0x0000001b", kind: .changed, old: "kvm", new: "0x0", compatibility: .breaking),
        ], contextChanges: [], masked: masked)
    }

    @Test func theJUnitHasASkippedTestcasePerMaskedGroup() throws {
        let result = maskedResult()
        #expect(result.maskedGroups.count == 4)
        let document = try XMLDocument(xmlString: ABIDiffJUnit.render(result, gate: .breaking), options: [])
        let names = try document.nodes(forXPath: "//testcase/@name").compactMap(\.stringValue)
        #expect(Array(names.prefix(ABIDiffResult.areas.count)) == ABIDiffResult.areas)
        #expect(names.contains("programmed-cpuid") && names.contains("programmed-msr"))
        let skipped = try document.nodes(forXPath: "//testcase[skipped]/@name").compactMap(\.stringValue)
        #expect(skipped == ["masked: host.kvm_pvm-cpuid-1-7", "masked: not captured (swiftvm-1.0 only)",
                            "masked: cmos.many (swiftvm-1.1 only)", "masked: rule " + ReportText.line(Self.hostile) + " (swiftvm-1.1 only)"])
        func message(_ name: String) throws -> String {
            try document.nodes(forXPath: "//testcase[@name='\(name)']/skipped/@message").first?.stringValue ?? ""
        }
        #expect(try message("masked: host.kvm_pvm-cpuid-1-7")
                == "8 items not compared: CPUID.1.0:ECX, CPUID.1.0:EDX, CPUID.7.0:EAX, CPUID.7.0:EBX, CPUID.7.0:ECX, CPUID.7.0:EDX, "
                   + "CPUID.1.0:ECX[5] vmx, CPUID.7.0:EBX[9] erms; kvm_pvm answers from the host CPU")
        #expect(try message("masked: not captured (swiftvm-1.0 only)")
                == "1 item not compared: programmed tables (KVM_SET_CPUID2, MSR filter); the qemu driver cannot tell what it programmed into KVM")
        let many = try message("masked: cmos.many (swiftvm-1.1 only)")
        #expect(many.hasPrefix("23 items not compared: CMOS byte 0x0, ") && many.hasSuffix("CMOS byte 0x19, … 3 more; test rule"))
        #expect(!many.contains("0x20,"))
        // The full list is in the testcase's output.
        let out = try document.nodes(forXPath: "//testcase[@name='masked: cmos.many (swiftvm-1.1 only)']/system-out").first?.stringValue ?? ""
        #expect(out.contains("CMOS byte 0x22"))
        // Counts: 14 areas + 4 masked groups; the breaking programmed-msr change fails.
        let suite = try #require(try document.nodes(forXPath: "//testsuite").first as? XMLElement)
        #expect(suite.value("skipped") == "4" && suite.value("tests") == String(ABIDiffResult.areas.count + 4) && suite.value("failures") == "1")
        #expect(try document.nodes(forXPath: "/testsuites/@skipped").first?.stringValue == "4")
        #expect(try document.nodes(forXPath: "//testcase[@name='programmed-msr']/failure").count == 1)
        // Several comparisons: the file's attributes sum the suites'.
        let unmasked = ABIDiffResult(old: "a", new: "b", changes: [], contextChanges: [])
        let check = try XMLDocument(xmlString: ABIDiffJUnit.render([("swiftvm-1.1", result), ("swiftvm-1.2", unmasked), ("swiftvm-1.3", result)],
                                                                   gate: .anyChange), options: [])
        #expect(try check.nodes(forXPath: "/testsuites/@skipped").first?.stringValue == "8")
        #expect(try check.nodes(forXPath: "/testsuites/@tests").first?.stringValue == String(3 * ABIDiffResult.areas.count + 8))
        #expect(try check.nodes(forXPath: "//testsuite[@name='swiftvm-1.2']/@skipped").first?.stringValue == "0")
    }

    @Test func theHTMLCountsAndNamesMaskedItemsAndEscapesThem() throws {
        let html = ABIDiffHTML.render(maskedResult())
        #expect(!html.contains("<script>"))
        let document = try XMLDocument(xmlString: String(html.dropFirst("<!DOCTYPE html>\n".count)), options: [])
        #expect(try document.nodes(forXPath: "//*[local-name()='script']").isEmpty)
        #expect(try document.nodes(forXPath: "//*[@id='masked-count']/@data-count").first?.stringValue == "33")
        let section = try #require(try document.nodes(forXPath: "//*[@id='masked']").first as? XMLElement)
        let heading = try section.nodes(forXPath: "*[local-name()='h2']").first?.stringValue
        #expect(heading == "Masked — not compared (33)")
        let groups = try section.nodes(forXPath: ".//*[local-name()='tr'][@class='masked-group']") as! [XMLElement]
        #expect(groups.map { $0.value("data-rule") } == ["host.kvm_pvm-cpuid-1-7", "not captured", "cmos.many", "rule " + ReportText.line(Self.hostile)])
        #expect(groups.map { $0.value("data-side") } == ["both", "old", "new", "new"])
        #expect(groups.map { $0.value("data-count") } == ["8", "1", "23", "1"])
        let text = section.stringValue ?? ""
        #expect(text.contains("swiftvm-1.0 only") && text.contains("swiftvm-1.1 only"))
        #expect(text.contains("CPUID.7.0:EBX[9] erms") && text.contains("CMOS byte 0x22") && text.contains("kvm_pvm answers from the host CPU"))
        #expect(text.contains("item <script>alert(1)</script> ]]> &amp;"))
        let items = try section.nodes(forXPath: ".//*[local-name()='li']").compactMap(\.stringValue)
        #expect(items.count == 33)
        // The subtitle counts them; the new areas have titles.
        let subtitle = try document.nodes(forXPath: "//*[@class='subtitle']").first?.stringValue ?? ""
        #expect(subtitle.contains("33 masked"))
        let page = document.rootElement()?.stringValue ?? ""
        #expect(page.contains("CPUID programmed into KVM") && page.contains("MSRs programmed into KVM (filter)"))
        let areaHeading = try document.nodes(forXPath: "//*[@id='area-programmed-msr']/*[local-name()='h3']").first?.stringValue ?? ""
        #expect(areaHeading.contains("MSRs programmed into KVM (filter)"))
        let ids = Set(try document.nodes(forXPath: "//@id").compactMap(\.stringValue))
        for href in try document.nodes(forXPath: "//@href").compactMap(\.stringValue) where href.hasPrefix("#") {
            #expect(ids.contains(String(href.dropFirst())), "dangling \(href)")
        }
    }

    @Test func noChangesButMaskedItemsIsNotReportedAsPlainlyIdentical() throws {
        let html = ABIDiffHTML.render(maskedResult(changes: []))
        let document = try XMLDocument(xmlString: String(html.dropFirst("<!DOCTYPE html>\n".count)), options: [])
        let note = try document.nodes(forXPath: "//*[@id='changes']/*[@class='identical']").first?.stringValue ?? ""
        #expect(note.contains("33 masked items") && note.contains("not compared"))
        let plain = ABIDiffHTML.render(ABIDiffResult(old: "a", new: "b", changes: [], contextChanges: []))
        #expect(plain.contains("The ABIs are identical") && plain.contains("Nothing masked"))
    }

    @Test func theReportPageLinksEachComparisonsMaskedItems() throws {
        let v10 = try baseline("swiftvm-1.0"), v11 = try baseline("swiftvm-1.1")
        var transition = ABIDiff.compare(v10, v11, oldName: "swiftvm-1.0", newName: "swiftvm-1.1")
        transition.masked = maskedResult().masked
        let html = ABIReportPage.render(machines: [
            .init(name: "swiftvm-1.0", fingerprint: v10, path: "Reports/abi/swiftvm-1.0.json"),
            .init(name: "swiftvm-1.1", fingerprint: v11, path: "Reports/abi/swiftvm-1.1.json"),
        ], transitions: [.init(from: "swiftvm-1.0", to: "swiftvm-1.1", result: transition)], against: nil, release: "test")
        #expect(!html.contains("<script>"))
        let document = try XMLDocument(xmlString: String(html.dropFirst("<!DOCTYPE html>\n".count)), options: [])
        let note = try #require(try document.nodes(forXPath: "//*[@data-machine='swiftvm-1.1']//*[@class='masked-note']").first as? XMLElement)
        #expect(note.value("href") == "#t1-masked" && note.stringValue == "33 masked items, not compared")
        #expect(try document.nodes(forXPath: "//*[@id='t1-masked']//*[@class='masked-group']").count == 4)
        #expect(try document.nodes(forXPath: "//*[@id='t1-masked-count']/@data-count").first?.stringValue == "33")
    }
}
