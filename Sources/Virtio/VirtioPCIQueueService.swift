/// Serving a queue when the driver notifies it, and giving up on a driver that broke the rules.
extension VirtioPCITransport {
    /// The driver notified `queue` (it wrote the queue's notify register; the VMM routes that here,
    /// typically from an ioeventfd). Serves available requests until there are none or `size` have been
    /// served, then interrupts if the driver asked for it.
    ///
    /// Returns true when it stopped because of that limit with requests still waiting: call it again
    /// (after letting other work in). The limit keeps a driver that refills the ring as fast as the device
    /// empties it from holding the transport forever.
    ///
    /// Ignored unless the driver has set FEATURES_OK (accepted) and DRIVER_OK, the device does not need a reset, and the queue exists
    /// and is enabled. A malformed ring or request sets DEVICE_NEEDS_RESET (`needsResetReason` says why);
    /// the requests completed before it still get their interrupt.
    @discardableResult
    public mutating func notify(queue index: UInt16) -> Bool {
        let position = Int(index)
        guard registers.status.isSuperset(of: [.featuresOK, .driverOK]), !registers.status.contains(.needsReset),
              queues.indices.contains(position), queues[position].isEnabled else { return false }
        let features = negotiatedFeatures
        var budget = Int(queues[position].size)
        var completed = 0
        var morePending = false
        do {
            serving: while true {
                while let chain = try queues[position].popAvailable(features: features, memory: memory) {
                    let written = try device.handle(chain, queue: index, memory: memory)
                    try queues[position].pushUsed(head: chain.head, length: written, memory: memory)
                    completed += 1
                    budget -= 1
                    if budget == 0 {
                        morePending = try queues[position].hasAvailable(memory: memory)
                        break serving
                    }
                }
                // Ask for a notification at the next entry, then look once more: a request made available
                // in between is either seen here or notified.
                try queues[position].publishAvailEvent(features: features, memory: memory)
                guard try queues[position].hasAvailable(memory: memory) else { break }
            }
            if completed > 0, try queues[position].shouldInterrupt(features: features, memory: memory) {
                raiseQueueInterrupt(position)
            }
        } catch {
            if completed > 0 { raiseQueueInterrupt(position) }
            enterNeedsReset(error)
            return false
        }
        return morePending
    }

    /// Sets DEVICE_NEEDS_RESET (§2.1.2) with `reason`, keeps the first reason, and tells the driver with a
    /// configuration-change interrupt. No queue is served again until the driver resets the device.
    mutating func enterNeedsReset(_ reason: VirtqueueError) {
        guard !registers.status.contains(.needsReset) else { return }
        needsResetReason = reason
        registers.status.insert(.needsReset)
        raiseConfigInterrupt()
    }
}
