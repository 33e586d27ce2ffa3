"""β-TCVAE's total correlation by minibatch-weighted sampling, in PyTorch float64 with autograd, as
Chen et al.'s code computes it (github.com/rtqichen/beta-tcvae, vae_quant.py, `_log_importance_weight_matrix`
aside: the plain MWS of their appendix C). Writes tc.json: inputs z, mu, logvar [M, D], the dataset
size N, the value and the gradients with respect to each input.

    python3 Fixtures/pytorch/tc/make_tc_fixture.py
"""
import json, math, os
import torch

torch.manual_seed(0)
M, D, N = 7, 4, 1000
mu = torch.randn(M, D, dtype=torch.float64)
logvar = (0.5 * torch.randn(M, D, dtype=torch.float64) - 1)
z = mu + torch.exp(0.5 * logvar) * torch.randn(M, D, dtype=torch.float64) * 2
# Round the inputs to float32 so the Swift side sees exactly the same numbers.
mu, logvar, z = (t.float().double().requires_grad_() for t in (mu, logvar, z))

# log N(z_i; mu_j, exp(logvar_j)) for every pair (i, j) and dimension d: [M, M, D]
diff = z[:, None, :] - mu[None, :, :]
logq = -0.5 * (math.log(2 * math.pi) + logvar[None] + diff ** 2 * torch.exp(-logvar[None]))
logqz = torch.logsumexp(logq.sum(2), dim=1) - math.log(N * M)
logqz_prod = (torch.logsumexp(logq, dim=1) - math.log(N * M)).sum(1)
tc = (logqz - logqz_prod).mean()
tc.backward()

here = os.path.dirname(os.path.abspath(__file__))
flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
with open(os.path.join(here, "tc.json"), "w") as f:
    json.dump({"m": M, "d": D, "n": N, "z": flat(z), "mu": flat(mu), "logvar": flat(logvar), "tc": float(tc),
               "dz": flat(z.grad), "dmu": flat(mu.grad), "dlogvar": flat(logvar.grad),
               "torch": torch.__version__}, f, indent=1)
print("tc", float(tc))
