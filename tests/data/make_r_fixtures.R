# Writes the tiny R fixtures of tests/test_readers_paper.py, then prints the values that the tests
# assert as literals (R's own reading of the files just written). Run from the repository root:
#   Rscript tests/data/make_r_fixtures.R
# Made with R 4.2.2, SingleCellExperiment 1.20.0, SummarizedExperiment 1.28.0, Biobase 2.58.0 and
# Matrix 1.5.3 (Debian: apt-get install r-base-core r-bioc-singlecellexperiment); running it again
# with these versions rewrites the same bytes. Each object has the class and layout of one public
# source of the paper's datasets (data_manifest.csv), with made-up values:
#   deng_reads_2017.rds  SingleCellExperiment as the Hemberg course saved it in 2017: integer read
#                        counts + logcounts, colData cell_type1 (factor) and cell_type2, the old
#                        reference-class assay container (ShallowSimpleListAssays), an old
#                        'reducedDims' slot, gene names in rowRanges, serialization version 2.
#   muraro_2017.rds      the same, but assays normcounts (non-integer) + logcounts and no counts.
#   pollen_se.rds        SummarizedExperiment (not ranged) with a sparse dgCMatrix of non-integer
#                        counts + logcounts and cell_type1 (ccImpute's layout), serialization 3.
#   zeisel_eset.rda      ExpressionSet 'MouseZeiselBrain' (exprs in an environment, pData
#                        level1_class / level2_class), saved with save(), as kkdey's package does.
#   not_an_sce.rds       an S4 object of another class (a DataFrame): the readers must refuse it.
#   missing_labels.rds   SingleCellExperiment whose cell_type1 (factor) is NA for cell2 and cell5 and
#                        whose cell_type2 (character) is NA for cell3.
#   missing_labels.rda   the same gaps in the layouts of the other R readers: an ExpressionSet
#                        'MouseZeiselBrain' (level1_class), M3DExampleData's list 'Mmus_example_list'
#                        (labels) and SIMLR's list 'Test_3_Pollen' (true_labs, an integer data.frame).
suppressPackageStartupMessages({
  library(SingleCellExperiment)
  library(Biobase)
  library(Matrix)
})
set.seed(1)
out <- "tests/data"
genes <- paste0("Gene", 1:8)
cells <- paste0("cell", 1:6)
counts <- matrix(rpois(48, 3), 8, 6, dimnames = list(genes, cells))
counts[1, ] <- 0L
counts[, 1] <- counts[, 1] + 1L
storage.mode(counts) <- "integer"

old_style <- function(sce, assays) {
  # The assay container SummarizedExperiment used by default until 2019 (a reference class).
  sce@assays <- SummarizedExperiment:::.ShallowSimpleListAssays0$new(data = SimpleList(assays))
  attr(sce, "reducedDims") <- SimpleList()  # a slot of SingleCellExperiment 1.0 (2017)
  sce
}

ann <- data.frame(cell_type1 = factor(c("zygote", "2cell", "2cell", "4cell", "4cell", "zygote")),
                  cell_type2 = c("zy", "early2cell", "mid2cell", "4cell", "4cell", "zy"),
                  row.names = cells, stringsAsFactors = FALSE)
deng <- SingleCellExperiment(assays = list(counts = counts, logcounts = log2(counts + 1)),
                             colData = ann)
deng <- old_style(deng, list(counts = counts, logcounts = log2(counts + 1)))
# xz keeps the file small: the reference class drags its 1.2 MB class definition along.
saveRDS(deng, file.path(out, "deng_reads_2017.rds"), version = 2, compress = "xz")

norm <- counts * 1.37
muraro <- SingleCellExperiment(assays = list(normcounts = norm, logcounts = log2(norm + 1)),
                               colData = data.frame(cell_type1 = c("alpha", "beta", "beta", "delta",
                                                                   "alpha", "duct"),
                                                    row.names = cells))
muraro <- old_style(muraro, list(normcounts = norm, logcounts = log2(norm + 1)))
saveRDS(muraro, file.path(out, "muraro_2017.rds"), version = 2, compress = "xz")

tpm <- Matrix(counts * 0.5, sparse = TRUE)
pollen <- SummarizedExperiment(assays = list(counts = tpm, logcounts = log2(tpm + 1)),
                               colData = DataFrame(cell_type1 = c("K562", "GW16", "K562", "BJ",
                                                                  "GW16", "BJ"), row.names = cells))
saveRDS(pollen, file.path(out, "pollen_se.rds"))

pheno <- data.frame(tissue = rep("sscortex", 6),
                    level1_class = c("interneurons", "pyramidal SS", "interneurons", "microglia",
                                     "pyramidal SS", "microglia"),
                    level2_class = c("Int10", "S1PyrL4", "Int6", "Mgl1", "S1PyrL5", "Mgl1"),
                    row.names = cells)
MouseZeiselBrain <- ExpressionSet(assayData = counts, phenoData = AnnotatedDataFrame(pheno))
save(MouseZeiselBrain, file = file.path(out, "zeisel_eset.rda"), version = 2)

saveRDS(DataFrame(a = 1:3), file.path(out, "not_an_sce.rds"))

gaps <- DataFrame(cell_type1 = factor(c("zygote", NA, "2cell", "2cell", NA, "zygote")),
                  cell_type2 = c("zy", "early2cell", NA, "mid2cell", "mid2cell", "zy"), row.names = cells)
saveRDS(SingleCellExperiment(assays = list(counts = counts), colData = gaps),
        file.path(out, "missing_labels.rds"))
MouseZeiselBrain <- ExpressionSet(assayData = counts, phenoData = AnnotatedDataFrame(data.frame(
  level1_class = c("interneurons", NA, "interneurons", "microglia", NA, "microglia"), row.names = cells)))
Mmus_example_list <- list(data = as.data.frame(counts),
                          labels = c("early2cell", NA, "midblast", "midblast", NA, "mid2cell"))
Test_3_Pollen <- list(in_X = log10(1 + counts), true_labs = data.frame(V1 = c(1L, NA, 2L, 2L, NA, 1L)))
save(MouseZeiselBrain, Mmus_example_list, Test_3_Pollen, file = file.path(out, "missing_labels.rda"),
     version = 2)

# The values tests/test_readers_paper.py asserts, as R reads the files back.
cat(R.version.string, "\n")
for (pkg in c("SingleCellExperiment", "SummarizedExperiment", "Biobase", "Matrix"))
  cat(pkg, format(packageVersion(pkg)), "\n")
deng <- readRDS(file.path(out, "deng_reads_2017.rds"))
print(dim(deng))
print(t(counts(deng)))  # R_COUNTS: cells x genes
print(counts(deng)[c("Gene3", "Gene7"), c("cell2", "cell6")])
print(as.character(deng$cell_type1))
print(levels(deng$cell_type1))
print(levels(factor(deng$cell_type2)))
muraro <- readRDS(file.path(out, "muraro_2017.rds"))
print(assayNames(muraro))
print(normcounts(muraro)[c("Gene3", "Gene7"), c("cell2", "cell6")])
print(levels(factor(muraro$cell_type1)))
pollen <- readRDS(file.path(out, "pollen_se.rds"))
print(class(assay(pollen, "counts")))
print(as.matrix(assay(pollen, "counts"))[c("Gene3", "Gene7"), c("cell2", "cell6")])
print(levels(factor(pollen$cell_type1)))
zeisel <- get(load(file.path(out, "zeisel_eset.rda")))
print(exprs(zeisel)[c("Gene3", "Gene7"), c("cell2", "cell6")])
print(levels(factor(pData(zeisel)$level1_class)))
print(levels(factor(pData(zeisel)$level2_class)))
gaps <- readRDS(file.path(out, "missing_labels.rds"))
print(as.data.frame(colData(gaps)))
print(levels(gaps$cell_type1))
