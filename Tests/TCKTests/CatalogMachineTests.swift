import Testing
@testable import TCK

@Suite struct CatalogMachineTests {
    @Test func machineTypesComeFromDefaultsSectionsAndDriverOverrides() throws {
        let entries = try Catalog.parse(text: """
            [defaults]
            machine = swiftvm-1.0
            [a]
            [b]
            machine = swiftvm-1.1
            machine.qemu = pc-i440fx-7.2
            """, knownDrivers: ["swiftvm", "qemu"])
        #expect(entries[0].machine(for: "swiftvm") == "swiftvm-1.0")
        #expect(entries[1].machine(for: "swiftvm") == "swiftvm-1.1")
        #expect(entries[1].machine(for: "qemu") == "pc-i440fx-7.2")
    }

    @Test func aBadMachineNameIsRefusedWithItsLine() {
        #expect(throws: CatalogError.self) {
            try Catalog.parse(text: "[a]\nmachine = ../pc\n", knownDrivers: ["swiftvm"])
        }
        #expect(throws: CatalogError.self) {
            try Catalog.parse(text: "[a]\nmachine.bochs = x\n", knownDrivers: ["swiftvm"])
        }
    }

    @Test func driversPassTheMachineOn() {
        let entry = CatalogEntry(name: "t", kernel: "hello", defaultMachine: "swiftvm-1.0", machines: ["qemu": "pc"])
        let swiftvm = SwiftVMDriver(executable: "/bin/true").arguments(for: entry, kernelDirectory: "/k")
        #expect(swiftvm.starts(with: ["run", "--machine", "swiftvm-1.0", "--kernel", "/k/hello.elf"]))
        let qemu = QEMUDriver(executable: "qemu-system-x86_64").arguments(for: entry, kernelDirectory: "/k")
        #expect(qemu.contains("pc") && qemu.contains("/k/hello.elf") && !qemu.contains("/k/pvh/hello.elf"))
    }
}
