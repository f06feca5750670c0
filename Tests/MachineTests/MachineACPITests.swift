import GuestMemory
import Testing
@testable import Machine

/// The machine puts its ACPI tables where both discovery routes find them.
@Suite(.enabled(if: TestKernels.kvmUsable, TestKernels.kvmReason))
struct MachineACPITests {
    @Test(arguments: [1, 4])
    func rsdpSitsInTheBIOSAreaAndPointsAtValidTables(cpus: Int) throws {
        var configuration = MachineConfiguration(kernelPath: try TestKernels.path("hello"))
        configuration.cpus = cpus
        let machine = try Machine(configuration)
        let rsdp = try machine.memory.read(at: GuestAddress(0xE0000), count: 36)
        #expect(Array(rsdp[0..<8]) == Array("RSD PTR ".utf8))
        #expect(rsdp[0..<20].reduce(0, &+) == 0 && rsdp.reduce(0, &+) == 0)     // ACPI 1.0 and 2.0 checksums
        let xsdtAddress = rsdp[24..<32].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << ($1.offset * 8) }
        let xsdtHeader = try machine.memory.read(at: GuestAddress(xsdtAddress), count: 36)
        #expect(Array(xsdtHeader[0..<4]) == Array("XSDT".utf8))
        let length = xsdtHeader[4..<8].enumerated().reduce(0) { $0 | Int($1.element) << ($1.offset * 8) }
        let xsdt = try machine.memory.read(at: GuestAddress(xsdtAddress), count: length)
        #expect(xsdt.reduce(0, &+) == 0)
        // MADT: one processor local APIC structure per vCPU.
        let pointers = stride(from: 36, to: length, by: 8).map { offset in
            xsdt[offset..<offset + 8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << ($1.offset * 8) }
        }
        let madt = try pointers.map { try machine.memory.read(at: GuestAddress($0), count: 4) }.firstIndex { $0 == Array("APIC".utf8) }
        let madtAddress = pointers[try #require(madt)]
        let madtLength = try machine.memory.read(UInt32.self, at: GuestAddress(madtAddress + 4))
        let body = try machine.memory.read(at: GuestAddress(madtAddress), count: Int(madtLength))
        var offset = 44, localAPICs = 0
        while offset + 2 <= body.count { if body[offset] == 0 { localAPICs += 1 }; offset += max(2, Int(body[offset + 1])) }
        #expect(localAPICs == cpus)
    }
}
