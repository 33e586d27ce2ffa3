import Latent
print("latent-bench: threads=\(Parallel.threadCount)")
