import Foundation

/// The one search order every dataset uses to find its files.
///
/// With a path the user gave (`--data`), that folder alone: a path that does not hold the files is
/// an error naming it, never a quiet fall-back to other data. Without one, in order:
/// 1. `$LATENT_DATA/<name>/`, then `$LATENT_DATA/` itself (files lying there directly);
/// 2. the project's shared data folder beside the package, `../shared/data/<name>` or `shared/data/<name>`;
/// 3. the cache folder, `$XDG_CACHE_HOME/latent/<name>` (default `~/.cache/latent/<name>`);
/// 4. folders a system package installs (Debian's `dataset-fashion-mnist`: `/usr/share/datasets/fashion-mnist`).
public enum DataFolders {
    /// The shared data roots of the course machine, relative to the working directory.
    public static let sharedRoots = ["../shared/data", "shared/data"]

    /// The folders searched for dataset `name` (e.g. "mnist"), in order.
    public static func search(_ name: String, explicit: String?, system: [String] = [],
                              environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        if let explicit { return [explicit] }
        var folders: [String] = []
        if let root = environment["LATENT_DATA"], !root.isEmpty {
            folders += [FileIO.join(root, name), root]
        }
        folders += sharedRoots.map { FileIO.join($0, name) }
        folders.append(cache(name, environment: environment))
        return folders + system
    }

    /// The cache folder of dataset `name`: `$XDG_CACHE_HOME/latent/<name>` or `~/.cache/latent/<name>`.
    public static func cache(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return "\(xdg)/latent/\(name)" }
        return "\(environment["HOME"] ?? NSHomeDirectory())/.cache/latent/\(name)"
    }
}
