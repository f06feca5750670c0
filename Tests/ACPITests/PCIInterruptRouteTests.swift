import Foundation
import Testing
@testable import ACPI

/// `_PRT` under PCI0: what iasl reads back, and what the builder refuses.
struct PCIInterruptRouteTests {
    private static func configuration(routes: [PCIInterruptRoute]) -> ACPIConfiguration {
        var bridge = PCIHostBridgeDescription.standard
        bridge.interruptRoutes = routes
        return ACPIConfiguration(cpuCount: 1, identity: ACPIIdentity(oemTableID: "SVM-1.2"), pciHostBridge: bridge,
                                 rsdpAddress: Fixture.rsdpAddress)
    }

    @Test func noRoutesNoPRT() throws {
        let set = try ACPITableSet.build(Self.configuration(routes: []), placedAt: Fixture.tablesBase)
        let dsdt = try #require(set.table("DSDT")).bytes
        #expect(!dsdt.ascii(0..<dsdt.count).contains("_PRT"))
    }

    @Test(.enabled(if: IASL.path != nil, "iasl (acpica-tools) is not installed: apt-get install acpica-tools"))
    func iaslReadsTheRouteAsDeviceAnyFunctionPinSourceAndGSI() throws {
        let set = try ACPITableSet.build(Self.configuration(routes: [PCIInterruptRoute(device: 2, pin: 0, gsi: 10),
                                                                     PCIInterruptRoute(device: 3, pin: 1, gsi: 11)]),
                                         placedAt: Fixture.tablesBase)
        let directory = try IASL.write(set)
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try IASL.run(["-p", "DSDT-out", "-d", "DSDT.dat"], in: directory)
        #expect(run.status == 0 && IASL.complaints(run.output).isEmpty, "\(run.output)")
        let dsl = try String(contentsOf: directory.appendingPathComponent("DSDT-out.dsl"), encoding: .utf8)
        let squeezed = dsl.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(squeezed.contains("Name (_PRT, Package (0x02)"), "\(dsl)")
        #expect(squeezed.contains("0x0002FFFF, Zero, Zero, 0x0A"), "\(dsl)")
        #expect(squeezed.contains("0x0003FFFF, One, Zero, 0x0B"), "\(dsl)")
    }

    @Test(arguments: [PCIInterruptRoute(device: 32, pin: 0, gsi: 10), PCIInterruptRoute(device: 2, pin: 4, gsi: 10)])
    func outOfRangeDeviceOrPinIsRefused(_ route: PCIInterruptRoute) {
        #expect(throws: ACPIError.self) {
            try ACPITableSet.build(Self.configuration(routes: [route]), placedAt: Fixture.tablesBase)
        }
    }

    @Test func twoRoutesForOnePinAreRefused() {
        let routes = [PCIInterruptRoute(device: 2, pin: 0, gsi: 10), PCIInterruptRoute(device: 2, pin: 0, gsi: 11)]
        #expect(throws: ACPIError.self) { try ACPITableSet.build(Self.configuration(routes: routes), placedAt: Fixture.tablesBase) }
    }
}
