#if canImport(Glibc)
import Glibc
#endif

/// A joinable OS thread running one closure: each vCPU gets one (KVM_RUN blocks, and a vCPU is bound
/// to the thread that runs it), and so do the watchdog, a virtio device's I/O and background ioctls.
/// Plain pthreads keep Foundation (and its start-up cost) out. (`Vcpu…` names are about one vCPU;
/// `VirtualCPU` is its KVM fd.)
struct HostThread {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    private let handle: pthread_t

    /// A thread with the default attributes (no attribute object: as pthread_create(…, NULL, …)).
    init(_ body: @escaping @Sendable () -> Void) throws(MachineError) {
        handle = try Self.start(nil, body)
    }

    /// A thread made with `attributes` (e.g. the CPUs it may run on: `BackgroundCall`).
    init(attributes: inout pthread_attr_t, _ body: @escaping @Sendable () -> Void) throws(MachineError) {
        handle = try Self.start(&attributes, body)
    }

    private static func start(_ attributes: UnsafePointer<pthread_attr_t>?,
                              _ body: @escaping @Sendable () -> Void) throws(MachineError) -> pthread_t {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var handle = pthread_t()
        let result = pthread_create(&handle, attributes, { context in
            Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            throw .thread(errno: result)
        }
        return handle
    }

    func join() { pthread_join(handle, nil) }

    /// Lets the thread end on its own; it is never joined.
    func detach() { pthread_detach(handle) }
}
