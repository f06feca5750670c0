import CProcess
#if canImport(Glibc)
import Glibc
#endif

/// Starts a child process bound to the runner: it gets SIGKILL if the thread that started it ends
/// (so a runner killed by SIGKILL leaves no VMM behind), and inherits no descriptor but its three
/// standard ones. The only door to `cprocess_spawn`; C strings and pointers stay in this file.
enum Spawn {
    /// Runs `executable` (a path, not looked up on PATH) with `arguments` as its argv (argv[0]
    /// included) and this process's environment. The descriptors become the child's 0, 1 and 2; the
    /// caller's copies are untouched. The calling thread must outlive the child (it waits for it).
    /// Throws the errno of fork, of the child's set-up or of execve.
    static func start(_ executable: String, arguments: [String], stdin: Int32, stdout: Int32, stderr: Int32)
        throws(SpawnError) -> pid_t {
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let stdio: [Int32] = [stdin, stdout, stderr]
        let error = cprocess_spawn(&pid, executable, argv, environ, stdio)
        guard error == 0 else { throw SpawnError(errno: error) }
        return pid
    }

    /// A pipe whose both ends are close-on-exec (pipe2 with O_CLOEXEC).
    static func pipe() throws(SpawnError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard cprocess_pipe_cloexec(&fds) == 0 else { throw SpawnError(errno: errno) }
        return (fds[0], fds[1])
    }
}

struct SpawnError: Error, Equatable {
    let errno: Int32
}
