"""The method of the paper (Xu et al., 2026, Section 2), one file per step, nothing about benchmarks.

Where each numbered equation lives (the equations were lost when the paper's page was extracted;
``book/methods.md`` states how each is read here):

======================  =====================================================================
Eq. 1-2                 :func:`.preprocess.normalize_log1p` (normalize to 10^4, then log1p);
                        size factors :func:`.preprocess.size_factors`; genes
                        :func:`.preprocess.select_genes`; the whole step :func:`.preprocess.preprocess`
augmentations           :func:`.augment.augment` (gene masking, Gaussian noise, kNN swap; Section 2)
Eq. 3-4, 8              :func:`.zinb.log_zinb_positive`, :func:`.zinb.zinb_nll` (fused CPU
                        kernel: :mod:`.zinb_cpu`)
Eq. 5-7                 :class:`.networks.ZINBAutoencoder` (mean, dispersion, dropout heads)
stage 1 (Eq. 3-8)       :func:`.denoise.denoise` -> ``X_z``
Eq. 9-10                :func:`.masking.bernoulli_mask`, :func:`.masking.shuffle_genes`,
                        :func:`.masking.corrupt`
Eq. 11-15               :class:`.networks.MaskedAutoencoder` (encoder, mask predictor, decoder;
                        :meth:`~.networks.MaskedAutoencoder.loss` is Eq. 13-15)
stage 2 (Eq. 9-15)      :func:`.pretrain.train_mae`, :func:`.pretrain.embed` -> ``Z``
Eq. 16, 18-22           :mod:`.clustering` (weighted k-means loss, soft weights, inflation,
                        Student-t assignment, target distribution, KL)
Eq. 17                  :func:`.finetune.weighted_mean_centers` (or Adam steps on the centres)
stage 3 (Eq. 23)        :func:`.finetune.finetune_clusters`
the whole method        :func:`.pipeline.fit_scdmac`; settings :mod:`.config`
======================  =====================================================================

Shared by the stages: :mod:`.training` (one minibatch loop with a step budget), :mod:`.devices`
(device and seeded generators) and :mod:`.checks` (input checks that name the problem).
"""
