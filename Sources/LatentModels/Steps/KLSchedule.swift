/// The weight β of the KL term as a function of the global training step (`optimizer.stepCount`
/// before the step's update): constant, a linear warm-up, or cyclical annealing. A function of the
/// step count only, so a resumed run (Adam's step count is in the checkpoint) continues the schedule.
public enum KLSchedule: Equatable, Sendable, CustomStringConvertible {
    /// β fixed (1 is the ELBO; 4 a β-VAE).
    case constant(Float)
    /// Bowman et al. (2016): β rises linearly from 0 at step 0 to 1 at step `steps`, then stays at 1.
    case warmUp(steps: Int)
    /// Fu et al. (2019): cycles of `period` steps; in each, β rises linearly from 0 to 1 over the first
    /// `rampFraction` of the cycle (their R = 0.5), then stays at 1 until the cycle ends.
    case cyclical(period: Int, rampFraction: Float)

    /// β at global step `step` (0-based).
    public func beta(atStep step: Int) -> Float {
        switch self {
        case let .constant(beta):
            return beta
        case let .warmUp(steps):
            return steps <= 0 ? 1 : min(1, Float(step) / Float(steps))
        case let .cyclical(period, rampFraction):
            let tau = Float(step % max(period, 1)) / Float(max(period, 1))  // position in the cycle, [0, 1)
            return min(1, tau / rampFraction)
        }
    }

    /// `β=4`, `warm-up over 2000 steps`, `cyclical, period 1000, ramp 0.5`.
    public var description: String {
        switch self {
        case let .constant(beta): "β=\(beta)"
        case let .warmUp(steps): "warm-up over \(steps) steps"
        case let .cyclical(period, ramp): "cyclical, period \(period), ramp \(ramp)"
        }
    }
}
