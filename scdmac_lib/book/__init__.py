"""The book: how a page presents itself, tables, plots, diagrams, and the papermill runner and build.

Plotting never computes: the numbers a page shows come from the layers below or from
:mod:`scdmac_lib.book.summaries` and :mod:`scdmac_lib.book.projection`.
"""
