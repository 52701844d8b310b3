import Glibc

/// Fits and encodes a run's model (`RunWriter.encodeModel`) on a thread of its own, so
/// that the writer goes on writing the run's other sections meanwhile (on a second core
/// the fit, ~15% of a bulk load with PGM, costs no wall time). The keys must stay alive
/// and unchanged until `join` returns; `join` is called before the run's footer is
/// written (and so before any manifest can name the run), and at the latest by `deinit`
/// (a failed write drops the fit without joining it).
/// If no thread can be started the fit runs on the caller's thread, in `join`.
final class RunModelFit {
    /// The thread's work and result. The thread holds its own reference to it, never one
    /// to the `RunModelFit`: so `deinit` always runs on the owner's thread and can join.
    private final class Job {
        let keys: UnsafeBufferPointer<Int64>
        let configuration: IndexConfiguration
        var model: Result<[UInt8], OmenError>?

        init(keys: UnsafeBufferPointer<Int64>, configuration: IndexConfiguration) {
            self.keys = keys
            self.configuration = configuration
        }

        func run() {
            do throws(OmenError) {
                model = .success(try RunWriter.encodeModel(keys: keys, configuration: configuration))
            } catch {
                model = .failure(error)
            }
        }
    }

    private let job: Job
    private var thread = pthread_t()
    private var running = false

    init(keys: UnsafeBufferPointer<Int64>, configuration: IndexConfiguration) {
        job = Job(keys: keys, configuration: configuration)
        let context = Unmanaged.passRetained(job).toOpaque()
        running = pthread_create(&thread, nil, { raw in
            Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, context) == 0
        if !running { Unmanaged<Job>.fromOpaque(context).release() }
    }

    deinit {
        if running { pthread_join(thread, nil) }
    }

    /// Waits for the model (or fits it here) and returns its encoding.
    func join() throws(OmenError) -> [UInt8] {
        if running {
            let status = pthread_join(thread, nil)
            precondition(status == 0, "joining the model-fitting thread failed (error \(status))")
            running = false
        }
        if job.model == nil { job.run() }
        return try job.model!.get()
    }
}
