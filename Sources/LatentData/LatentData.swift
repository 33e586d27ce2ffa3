import Latent
import CZlib
