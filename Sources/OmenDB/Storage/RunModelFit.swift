import Glibc

/// Fits and encodes a run's model (`RunWriter.encodeModel`) on a thread of its own, so
/// that the writer goes on writing the run's other sections meanwhile (on a second core
/// the fit, ~15% of a bulk load, costs no wall time). The keys must stay alive and
/// unchanged until `join` returns; `join` is called before the run's footer is written
/// (and so before any manifest can name the run), and at the latest by `deinit`.
/// If no thread can be started the fit runs on the caller's thread, in `join`.
final class RunModelFit {
    private let keys: UnsafeBufferPointer<Int64>
    private let configuration: IndexConfiguration
    private var thread = pthread_t()
    private var running = false
    private var model: Result<[UInt8], OmenError>?

    init(keys: UnsafeBufferPointer<Int64>, configuration: IndexConfiguration) {
        self.keys = keys
        self.configuration = configuration
        // Unretained: `deinit` joins the thread, so the object outlives it.
        running = pthread_create(&thread, nil, { raw in
            let fit = Unmanaged<RunModelFit>.fromOpaque(raw!).takeUnretainedValue()
            fit.model = fit.encode()
            return nil
        }, Unmanaged.passUnretained(self).toOpaque()) == 0
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
        if model == nil { model = encode() }
        return try model!.get()
    }

    private func encode() -> Result<[UInt8], OmenError> {
        do throws(OmenError) {
            return .success(try RunWriter.encodeModel(keys: keys, configuration: configuration))
        } catch {
            return .failure(error)
        }
    }
}
