import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TCK
@testable import Reports

/// The "What each driver supports" table: each catalog group per driver, from the results alone.
@Suite struct SupportSectionTests {
    let report = SampleReport.report(partial: false)

    func support(_ page: Page, group: String, driver: String) throws -> XMLElement? {
        try page.all("//*[@id='support']//*[local-name()='tr'][@data-group='\(group)']/*[local-name()='td'][@data-driver='\(driver)']").first
    }

    @Test func eachGroupHasALevelPerDriver() throws {
        let page = try Page(report)
        // hello (boot, smoke) passes on both.
        #expect(try support(page, group: "boot", driver: "qemu")?.value("data-support") == "supported")
        #expect(try support(page, group: "boot", driver: "swiftvm")?.stringValue == "supported (1)")
        // smp-4 is an expected failure on swiftvm, an unexpected pass (stale xfail) on qemu.
        let smp = try #require(try support(page, group: "smp", driver: "swiftvm"))
        #expect(smp.value("data-support") == "partly" && smp.stringValue == "partly: 1 of 1 xfail" && smp.value("title") == "smp-4")
        #expect(try support(page, group: "smp", driver: "qemu")?.value("data-support") == "regressed")
        // cpuid-basic failed unexpectedly on swiftvm only.
        #expect(try support(page, group: "cpu", driver: "swiftvm")?.stringValue == "1 of 1 unexpected")
        #expect(try support(page, group: "cpu", driver: "qemu")?.value("data-support") == "supported")
        // The catalog's "all" group is no row.
        #expect(try page.all("//*[@id='support']//*[local-name()='tr'][@data-group='all']").isEmpty)
    }

    @Test func expectedFailuresAreListedWithTheirReasons() throws {
        let page = try Page(report)
        let items = try page.all("//*[@id='support']//*[local-name()='ul'][@data-driver='swiftvm']/*[local-name()='li']")
        #expect(items.count == 1)
        #expect(items.first?.stringValue == "smp-4: APIC IDs are not unique yet")
        #expect(items.first?.elements(forName: "a").first?.value("href") == "#result-swiftvm-smp-4")
    }

    @Test func aGroupADriverDidNotRunSaysSo() throws {
        var partial = report
        partial.results.removeAll { $0.driver == "qemu" && $0.groups.contains("pci") }
        let page = try Page(partial)
        #expect(try support(page, group: "pci", driver: "qemu")?.stringValue == "not run")
    }
}
