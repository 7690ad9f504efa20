"""The AnnData entry points: which matrix is clustered, :func:`~scdmac_lib.api.cluster.scdmac`
(results written back into the AnnData) and the estimate of the number of clusters."""
