import torch

from scdmac_lib.method.masking import bernoulli_mask, corrupt, shuffle_genes


def test_shuffle_keeps_each_genes_values():
    x = torch.arange(200.0).reshape(40, 5)
    shuffled = shuffle_genes(x, torch.Generator().manual_seed(0))
    assert torch.equal(shuffled.sort(dim=0).values, x.sort(dim=0).values)
    assert not torch.equal(shuffled, x)


def test_mask_fraction_matches_p_per_gene():
    p = torch.tensor([0.1, 0.3, 0.8])
    mask = bernoulli_mask((20000, 3), p, torch.Generator().manual_seed(1))
    assert mask.dtype == torch.float32 and set(mask.unique().tolist()) == {0.0, 1.0}
    assert torch.allclose(mask.float().mean(0), p, atol=0.015)


def test_corrupt_keeps_unmasked_entries():
    x = torch.randn(100, 20, generator=torch.Generator().manual_seed(2))
    x_m, mask = corrupt(x, 0.3, torch.Generator().manual_seed(3))
    keep = mask == 0
    assert torch.equal(x_m[keep], x[keep])
    assert 0.2 < mask.mean().item() < 0.4


def test_corrupt_takes_masked_entries_exactly_from_the_shuffled_matrix():
    x = torch.randn(100, 20, generator=torch.Generator().manual_seed(2)) * 1e6
    x_m, mask = corrupt(x, 0.3, torch.Generator().manual_seed(3))
    gen = torch.Generator().manual_seed(3)
    bernoulli_mask(tuple(x.shape), 0.3, gen)  # the same draws as corrupt: the mask, then the shuffle
    shuffled = shuffle_genes(x, gen)
    assert torch.equal(x_m[mask == 1], shuffled[mask == 1])


def test_same_generator_seed_same_corruption():
    x = torch.randn(50, 10)
    a = corrupt(x, 0.3, torch.Generator().manual_seed(5))
    b = corrupt(x, 0.3, torch.Generator().manual_seed(5))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_shuffle_takes_every_value_from_another_cell_and_donors_vary_across_genes():
    x = torch.arange(50.0).unsqueeze(1).expand(50, 200).clone()  # each entry holds its cell index
    shuffled = shuffle_genes(x, torch.Generator().manual_seed(4))
    assert (shuffled != x).all()
    assert shuffled[0].unique().numel() > 20


def test_shuffle_of_a_single_cell_is_a_copy():
    x = torch.ones(1, 4)
    assert torch.equal(shuffle_genes(x), x)
