/// The area under the ROC curve of a score that should be higher for `positives` than for `negatives`,
/// computed exactly as the Mann–Whitney statistic:
///
///     AUROC = P(s⁺ > s⁻) + ½ P(s⁺ = s⁻) = (R⁺ − n⁺(n⁺ + 1)/2) / (n⁺ n⁻)
///
/// where R⁺ is the sum of the positives' ranks among all scores (1-based, tied scores sharing the
/// mean of their ranks). 1 separates perfectly, ½ is chance, 0 is perfectly reversed. This is what
/// scikit-learn's `roc_auc_score` returns. O((n⁺ + n⁻) log(n⁺ + n⁻)).
/// - Precondition: both sets non-empty, every score finite.
public func auroc(positives: [Double], negatives: [Double]) -> Double {
    precondition(!positives.isEmpty && !negatives.isEmpty, "auroc needs at least one positive and one negative score")
    precondition(positives.allSatisfy(\.isFinite) && negatives.allSatisfy(\.isFinite), "auroc: scores must be finite")
    // (score, is positive), sorted by score; ties in any order (they share one rank).
    let all = (positives.map { ($0, true) } + negatives.map { ($0, false) }).sorted { $0.0 < $1.0 }
    var positiveRankSum = 0.0
    var start = 0
    while start < all.count {
        var end = start
        while end + 1 < all.count && all[end + 1].0 == all[start].0 { end += 1 }
        let meanRank = Double(start + end) / 2 + 1  // ranks start+1 … end+1
        for i in start...end where all[i].1 { positiveRankSum += meanRank }
        start = end + 1
    }
    let (p, n) = (Double(positives.count), Double(negatives.count))
    return (positiveRankSum - p * (p + 1) / 2) / (p * n)
}
