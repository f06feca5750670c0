import Foundation
import Testing
import GuestMemory
@testable import KVM
import RealModeGuest

@Suite(.enabled(if: KVMAvailability.isUsable, KVMAvailability.reason))
struct KVMSystemTests {
    @Test func reportsRequiredCapabilities() throws {
        let system = try KVMSystem()
        try system.requireCapabilities()
        #expect(system.maxVCPUs >= 1)
        #expect(system.vcpuMapSize >= 4096)
    }

    @Test func supportedCPUIDHasAVendorAndTheKVMSignature() throws {
        let entries = try KVMSystem().supportedCPUID()
        let leaf0 = try #require(entries.first { $0.function == 0 })
        #expect(leaf0.eax >= 1)
        let hypervisor = try #require(entries.first { $0.function == 0x4000_0000 })
        let signature = [hypervisor.ebx, hypervisor.ecx, hypervisor.edx].flatMap { word in
            (0..<4).map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) }
        }
        #expect(String(decoding: signature, as: UTF8.self) == "KVMKVMKVM\0\0\0")
    }
}

@Suite(.enabled(if: KVMAvailability.isUsable, KVMAvailability.reason))
struct VirtualCPUTests {
    @Test func portOutputAndInputRoundTrip() throws {
        // mov al,0x42 ; out 0xf4,al ; in al,0x60 ; inc al ; out 0xf4,al ; hlt
        let vm = try RealModeVM(code: [0xB0, 0x42, 0xE6, 0xF4, 0xE4, 0x60, 0xFE, 0xC0, 0xE6, 0xF4, 0xF4])
        #expect(try vm.vcpu.runOnce() == .ioOut(port: 0xF4, size: 1, data: [0x42]))
        #expect(try vm.vcpu.runOnce() == .ioIn(port: 0x60, size: 1, count: 1))
        try vm.vcpu.completeIOIn([0x10])
        #expect(try vm.vcpu.runOnce() == .ioOut(port: 0xF4, size: 1, data: [0x11]))
        #expect(try vm.vcpu.runOnce() == .halt)
    }

    @Test func runAnsweringFinishesSingleAccessesAndReturnsTheRest() throws {
        // mov ax,0x1234 ; out 0xf4,ax ; in al,0x60 ; inc al ; out 0xf4,al ; in eax,0x61 ; out 0xf0,eax ;
        // mov si,0x1100 ; mov cx,2 ; mov dx,0xf2 ; rep outsb ; out 0xf1,al ; hlt
        let code: [UInt8] = [0xB8, 0x34, 0x12, 0xE7, 0xF4, 0xE4, 0x60, 0xFE, 0xC0, 0xE6, 0xF4, 0x66, 0xE5, 0x61,
                             0x66, 0xE7, 0xF0, 0xBE, 0x00, 0x11, 0xB9, 0x02, 0x00, 0xBA, 0xF2, 0x00, 0xF3, 0x6E,
                             0xE6, 0xF1, 0xF4]
        let vm = try RealModeVM(code: code)
        try vm.memory.write(Array("ab".utf8), at: GuestAddress(0x1100))
        let ports = ScriptedPorts(reads: [0x60: 0x10, 0x61: 0xCAFE_F00D], declinedWrites: [0xF1, 0xF2])
        // Answered inside: the word out, both ins, the byte out, the dword out. The string (declined, as
        // the last out) comes back in one exit or two. An exit's bytes view kvm_run until the next
        // KVM_RUN: they are copied as each exit comes back.
        var exits: [VcpuExit] = [], string: [UInt8] = []
        while exits.last != .halt {
            switch try vm.vcpu.run(answering: ports) {
            case let .ioOut(0xF2, 1, data): string += data
            case let .ioOut(port, size, data): exits.append(.ioOut(port: port, size: size, data: ExitBytes(Array(data))))
            case let exit: exits.append(exit)
            }
        }
        #expect(ports.writes == [[0xF4, 2, 0x1234], [0xF4, 1, 0x11], [0xF0, 4, 0xCAFE_F00D]])
        #expect(string == Array("ab".utf8))
        #expect(exits == [.ioOut(port: 0xF1, size: 1, data: [0x0D]), .halt])   // declined: al = 0x0D from 0xCAFEF00D
        #expect(ports.exitsTaken >= 5 + 1 + exits.count && ports.exitsTaken <= 5 + 2 + exits.count)
    }

    @Test func wideAndStringOutputCarryAllTheirBytes() throws {
        // mov eax,0x11223344 ; out dx(0xf4),eax ; mov si,0x1100 ; mov cx,3 ; rep outsb ; hlt
        let code: [UInt8] = [0x66, 0xB8, 0x44, 0x33, 0x22, 0x11, 0xBA, 0xF4, 0x00, 0x66, 0xEF,
                             0xBE, 0x00, 0x11, 0xB9, 0x03, 0x00, 0xF3, 0x6E, 0xF4]
        let vm = try RealModeVM(code: code)
        try vm.memory.write(Array("abc".utf8), at: GuestAddress(0x1100))
        #expect(try vm.vcpu.runOnce() == .ioOut(port: 0xF4, size: 4, data: [0x44, 0x33, 0x22, 0x11]))
        // KVM may batch the string or not; the bytes must arrive in order either way.
        var received: [UInt8] = []
        while received.count < 3 {
            guard case let .ioOut(port, size, data) = try vm.vcpu.runOnce() else { Issue.record("expected outsb"); return }
            #expect(port == 0xF4 && size == 1)
            received += data
        }
        #expect(received == Array("abc".utf8))
        #expect(try vm.vcpu.runOnce() == .halt)
    }

    @Test func mmioOutsideRAMExitsToUserspace() throws {
        // mov ax,0x2000 ; mov ds,ax ; mov byte [0],0x5a  -> guest-physical 0x20000, beyond 64 KiB of RAM ; hlt
        let vm = try RealModeVM(code: [0xB8, 0x00, 0x20, 0x8E, 0xD8, 0xC6, 0x06, 0x00, 0x00, 0x5A, 0xF4])
        #expect(try vm.vcpu.runOnce() == .mmioWrite(address: 0x20000, data: [0x5A]))
        #expect(try vm.vcpu.runOnce() == .halt)
    }

    @Test func kickInterruptsASpinningGuest() throws {
        let vm = try RealModeVM(code: [0xEB, 0xFE])   // jmp $
        VirtualCPU.installKickHandler()
        vm.vcpu.bindToCurrentThread()
        let vcpu = vm.vcpu
        let kicker = Thread { usleep(50_000); vcpu.kick() }
        kicker.start()
        #expect(try vm.vcpu.runOnce() == .interrupted)
        // immediate_exit stays set: the vCPU does not run again until the flag is cleared.
        #expect(try vm.vcpu.runOnce() == .interrupted)
    }

    @Test func registersRoundTrip() throws {
        let vm = try RealModeVM(code: [0xF4])
        var regs = try vm.vcpu.registers()
        regs.rbx = 0xDEAD_BEEF
        try vm.vcpu.setRegisters(regs)
        #expect(try vm.vcpu.registers().rbx == 0xDEAD_BEEF)
        try vm.vcpu.setCPUID(try vm.system.supportedCPUID())
        try vm.vcpu.resetFPU()
    }
}

@Suite struct InternalErrorTests {
    @Test func decodesEmulationFailureInstructionBytes() {
        // flags=1 (instruction bytes valid), insn_size=2, bytes CC 90
        let error = InternalError(suberror: 1, data: [1, 0x90CC02, 0])
        #expect(error.isEmulationFailure)
        #expect(error.instructionBytes == [0xCC, 0x90])
        #expect(error.description == "emulation failure, instruction bytes cc 90")
        #expect(InternalError(suberror: 3, data: []).instructionBytes == nil)
    }

    @Test func errorsNameTheCall() {
        #expect(KVMError.ioctl(call: "KVM_CREATE_VM", errno: 24).description == "KVM_CREATE_VM failed: Too many open files (errno 24)")
        #expect(KVMError.open(path: "/dev/kvm", errno: 13).description.contains("kvm' group"))
    }
}

/// A `PortExitHandler` that answers reads from a table and takes every write but `declinedWrites`.
final class ScriptedPorts: PortExitHandler {
    let reads: [UInt16: UInt32]
    let declinedWrites: Set<UInt16>
    private(set) var writes: [[UInt32]] = []
    private(set) var exitsTaken = 0

    init(reads: [UInt16: UInt32], declinedWrites: Set<UInt16>) {
        self.reads = reads
        self.declinedWrites = declinedWrites
    }

    func exitTaken() { exitsTaken += 1 }

    func portWrite(port: UInt16, size: Int, value: UInt32) -> Bool {
        guard !declinedWrites.contains(port) else { return false }
        writes.append([UInt32(port), UInt32(size), value])
        return true
    }

    func portRead(port: UInt16, size: Int) -> UInt32? { reads[port] }
}
