import Latent
