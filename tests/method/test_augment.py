import torch

from scdmac_lib.method.augment import augment, gaussian_noise, mask_genes, neighbour_swap
from scdmac_lib.method.config import AugmentConfig


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_mask_genes_zeroes_the_requested_fraction():
    out = mask_genes(torch.ones(200, 100), 0.1, gen())
    assert abs((out == 0).float().mean().item() - 0.1) < 0.01


def test_gaussian_noise_has_the_requested_variance():
    out = gaussian_noise(torch.zeros(400, 100), 0.6, gen())
    assert abs(out.var().item() - 0.6) < 0.02


def test_neighbour_swap_takes_values_from_a_neighbour_only():
    x_all = torch.arange(5.0).unsqueeze(1).expand(5, 50).clone()  # row i holds the value i
    knn = torch.tensor([[1], [2], [3], [4], [0]])
    idx = torch.arange(5)
    out = neighbour_swap(x_all[idx], x_all, idx, knn, 0.2, gen())
    swapped = out != x_all
    assert abs(swapped.float().mean().item() - 0.2) < 0.08
    assert torch.equal(out[swapped], x_all[knn[:, 0]][swapped])


def test_disabled_augmentation_is_identity():
    x = torch.randn(10, 5)
    assert torch.equal(augment(x, torch.arange(10), torch.zeros(10, 0, dtype=torch.long),
                               AugmentConfig(enabled=False)), x)


def test_augment_masks_swaps_and_adds_noise_at_the_configured_rates():
    n, g = 400, 500
    x_all = torch.arange(1.0, n + 1).unsqueeze(1).expand(n, g).clone()  # row i holds i + 1
    knn = torch.roll(torch.arange(n), -1).unsqueeze(1)  # each cell's one neighbour is the next cell
    idx = torch.arange(n)
    cfg = AugmentConfig(mask_rate=0.1, swap_rate=0.2, noise_var=1e-6)
    out = augment(x_all, idx, knn, cfg, gen())
    masked = out.abs() < 0.01
    swapped = (out - x_all[knn[:, 0]]).abs() < 0.01
    assert abs(masked.float().mean().item() - 0.1) < 0.005
    assert abs(swapped.float().mean().item() - 0.2 * 0.9) < 0.005  # swapped and not masked
    noise = out - torch.where(masked, 0.0, torch.where(swapped, x_all[knn[:, 0]], x_all))
    assert abs(noise.var().item() - 1e-6) < 1e-7


def test_augment_is_reproducible_and_leaves_the_input_alone():
    x_all = torch.randn(30, 20)
    before = x_all.clone()
    knn = torch.randint(30, (30, 3))
    idx = torch.arange(0, 30, 2)
    cfg = AugmentConfig()
    assert torch.equal(augment(x_all, idx, knn, cfg, gen(3)), augment(x_all, idx, knn, cfg, gen(3)))
    assert torch.equal(x_all, before)
