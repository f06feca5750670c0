import Testing
@testable import Devices

@Suite struct PCIMSIXTableTests {
    @Test func entriesStartMaskedAndHoldTheirMessage() {
        var table = PCIMSIXTable(vectorCount: 3)
        #expect(table.tableSize == 48 && table.pendingArraySize == 8)
        #expect((0..<3).allSatisfy { table.isMasked($0) })
        table.writeTable(offset: 16, size: 8, value: 0x1_FEE0_2000)
        table.writeTable(offset: 24, size: 4, value: 0x4041)
        table.writeTable(offset: 28, size: 4, value: 0xFFFF_FFFE)      // reserved bits stay 0, unmask
        #expect(table.message(1) == MSIMessage(address: 0x1_FEE0_2000, data: 0x4041))
        #expect(!table.isMasked(1))
        #expect(table.readTable(offset: 28, size: 4) == 0)
        #expect(table.readTable(offset: 24, size: 8) == 0x4041)
    }

    @Test func oddAccessesAreIgnored() {
        var table = PCIMSIXTable(vectorCount: 1)
        table.writeTable(offset: 0, size: 2, value: 0xFFFF)
        table.writeTable(offset: 2, size: 4, value: 0xFFFF_FFFF)
        table.writeTable(offset: 12, size: 8, value: 0)                  // runs past the table
        table.writeTable(offset: 16, size: 4, value: 0)
        #expect(table.readTable(offset: 0, size: 8) == 0)
        #expect(table.isMasked(0))
        #expect(table.readTable(offset: 16, size: 4) == 0)
    }

    @Test func pendingBitsAreTheDevicesToSet() {
        var table = PCIMSIXTable(vectorCount: 70)
        #expect(table.pendingArraySize == 16)
        table.setPending(1, true)
        table.setPending(65, true)
        #expect(table.readPendingArray(offset: 0, size: 8) == 0b10)
        #expect(table.readPendingArray(offset: 8, size: 4) == 0b10)
        #expect(table.readPendingArray(offset: 12, size: 4) == 0)
        table.setPending(1, false)
        #expect(!table.isPending(1) && table.isPending(65))
    }
}
