import Devices
import Testing
@testable import Virtio

/// MSI-X and INTx delivery, and notification suppression (event index, NO_INTERRUPT).
@Suite struct VirtioInterruptTests {
    @Test func completionSendsTheQueueVectorsMessage() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize(msix: true))
        driver.blockRequest(type: 0, dataLength: 512)
        #expect(driver.interrupt.history == [.msix(vector: 1, message: GuestDriver.message(1))])
        #expect(!driver.interrupt.intxHigh)
        #expect(driver.readISR() == 0)                                   // ISR is INTx's; MSI-X leaves it alone
    }

    @Test func maskedVectorIsHeldInThePBAUntilUnmasked() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize(msix: true))
        driver.setVectorMasked(1, true)
        driver.blockRequest(type: 0, dataLength: 512)
        #expect(driver.interrupt.history.isEmpty)
        #expect(driver.barRead(driver.msixPBA, 8) == 0b10)
        driver.transport.write(barOffset: driver.msixPBA, size: 8, value: 0)   // the PBA is read-only
        #expect(driver.barRead(driver.msixPBA, 4) == 0b10)
        driver.setVectorMasked(1, false)
        #expect(driver.interrupt.msixVectors == [1])
        #expect(driver.barRead(driver.msixPBA, 8) == 0)
    }

    @Test func functionMaskHoldsEveryVector() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize(msix: true))
        driver.setConfig(driver.msixCapability + 2, 2, 0xC000)           // enabled + function mask
        driver.blockRequest(type: 0, dataLength: 512)
        #expect(driver.interrupt.history.isEmpty)
        #expect(driver.barRead(driver.msixPBA, 4) == 0b10)
        driver.setConfig(driver.msixCapability + 2, 2, 0x8000)
        #expect(driver.interrupt.msixVectors == [1])
    }

    @Test func noVectorMeansNoInterrupt() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize(msix: true))
        driver.setCommon(0x16, 2, 0)
        driver.setCommon(0x1A, 2, 0xFFFF)
        driver.blockRequest(type: 0, dataLength: 512)
        #expect(driver.usedIndex == 1 && driver.interrupt.history.isEmpty)
        #expect(driver.barRead(driver.msixPBA, 4) == 0)
    }

    @Test func reprogrammedEntrySendsTheNewMessage() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize(msix: true))
        driver.transport.write(barOffset: driver.msixTable + 16, size: 8, value: 0xFEE0_1000)
        driver.transport.write(barOffset: driver.msixTable + 24, size: 4, value: 0x99)
        #expect(driver.barRead(driver.msixTable + 16, 8) == 0xFEE0_1000)
        driver.blockRequest(type: 0, dataLength: 512)
        #expect(driver.interrupt.history == [.msix(vector: 1, message: MSIMessage(address: 0xFEE0_1000, data: 0x99))])
    }

    @Test func intxRisesWithISRAndFallsWhenISRIsRead() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize())
        driver.blockRequest(type: 0, dataLength: 512)
        #expect(driver.interrupt.history == [.intx(true)])
        #expect(driver.transport.function.status & PCIStatus.interruptStatus != 0)
        #expect(driver.readISR() == 1)                                   // queue interrupt
        #expect(driver.interrupt.history == [.intx(true), .intx(false)])
        #expect(driver.transport.function.status & PCIStatus.interruptStatus == 0)
        #expect(driver.readISR() == 0)                                   // read-to-clear
    }

    @Test func interruptDisableKeepsThePinLowButTheStatusBitSet() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize())
        driver.setConfig(0x04, 2, UInt32(PCICommand.memorySpace | PCICommand.interruptDisable))
        driver.blockRequest(type: 0, dataLength: 512)
        #expect(driver.interrupt.history.isEmpty)
        #expect(driver.transport.function.status & PCIStatus.interruptStatus != 0)
        driver.setConfig(0x04, 2, UInt32(PCICommand.memorySpace))
        #expect(driver.interrupt.history == [.intx(true)])
    }

    @Test func enablingMSIXWithdrawsINTx() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize())
        driver.blockRequest(type: 0, dataLength: 512)
        #expect(driver.interrupt.intxHigh)
        driver.enableMSIX()
        #expect(!driver.interrupt.intxHigh)
    }

    @Test func noInterruptFlagSuppressesWithoutEventIndex() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize(accept: [.version1], msix: true))
        driver.setAvailFlags(1)                                          // VIRTQ_AVAIL_F_NO_INTERRUPT
        driver.blockRequest(type: 0, dataLength: 512)
        #expect(driver.usedIndex == 1 && driver.interrupt.history.isEmpty)
        driver.setAvailFlags(0)
        driver.blockRequest(type: 0, dataLength: 512)
        #expect(driver.interrupt.msixVectors == [1])
    }

    @Test func eventIndexInterruptsOnlyWhenUsedEventIsPassed() throws {
        let driver = try GuestDriver()
        #expect(driver.initialize(msix: true))
        driver.setUsedEvent(0)
        driver.blockRequest(type: 0, dataLength: 512)                    // used 0 → 1 passes used_event 0
        #expect(driver.interrupt.msixVectors == [1])
        #expect(driver.availEvent == 1)                                  // device asks to be kicked at entry 1
        driver.setUsedEvent(3)                                           // "interrupt me after the 4th"
        driver.blockRequest(type: 0, dataLength: 512)
        driver.blockRequest(type: 0, dataLength: 512)
        #expect(driver.interrupt.msixVectors == [1])
        driver.blockRequest(type: 0, dataLength: 512)
        #expect(driver.interrupt.msixVectors == [1, 1])
        #expect(driver.usedIndex == 4 && driver.availEvent == 4)
    }

    @Test func needEventMatchesTheSpecFormula() {
        #expect(Virtqueue.needsEvent(eventIndex: 0, new: 1, old: 0))
        #expect(!Virtqueue.needsEvent(eventIndex: 5, new: 3, old: 1))
        #expect(Virtqueue.needsEvent(eventIndex: 5, new: 6, old: 3))
        #expect(Virtqueue.needsEvent(eventIndex: 0xFFFF, new: 1, old: 0xFFFE))   // across the 16-bit wrap
        #expect(!Virtqueue.needsEvent(eventIndex: 2, new: 2, old: 2))
    }

    @Test func needsResetRaisesAConfigurationInterrupt() throws {
        let msix = try GuestDriver()
        #expect(msix.initialize(msix: true))
        msix.setAvailIndex(100)
        msix.kick()
        #expect(msix.interrupt.msixVectors == [0])                       // config_msix_vector
        let intx = try GuestDriver()
        #expect(intx.initialize())
        intx.setAvailIndex(100)
        intx.kick()
        #expect(intx.interrupt.intxHigh)
        #expect(intx.readISR() == 2)                                     // configuration change
    }

    @Test func driverThatRefillsForeverCannotHoldTheDevice() throws {
        let disk = MemoryDisk(sectors: 8)
        let driver = try GuestDriver(backend: disk)
        #expect(driver.initialize(queueSize: 4))
        // A vCPU that makes a new request available each time the device serves one.
        disk.onRead = { driver.blockRequest(type: 0, dataLength: 512, kick: false) }
        driver.blockRequest(type: 0, dataLength: 512, kick: false)
        let more = driver.transport.notify(queue: 0)
        #expect(more)                                                    // stopped after a queue's worth
        #expect(driver.usedIndex == 4)
        #expect(driver.interrupt.intxHigh)                               // what was done is signalled
        disk.onRead = nil
        let rest = driver.transport.notify(queue: 0)
        #expect(!rest)
        #expect(driver.usedIndex == 5)
        let none = driver.transport.notify(queue: 7)                     // no such queue: nothing happens
        #expect(!none)
    }
}
