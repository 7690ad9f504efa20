import torch

from scdmac_lib.augment import augment, gaussian_noise, mask_genes, neighbour_swap
from scdmac_lib.config import AugmentConfig


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
