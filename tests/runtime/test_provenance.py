"""What a run records of the machine that computed it."""

from __future__ import annotations

from scdmac_lib.runtime import provenance

X86 = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse sse2 avx fma avx2 avx512f hypervisor\n"
ARM = "processor\t: 0\nFeatures\t: fp asimd evtstrm sve crc32\n"


def test_the_cpu_identity_names_the_model_and_its_vector_extensions(monkeypatch):
    monkeypatch.setattr(provenance, "_cpuinfo", lambda: X86)
    assert provenance.cpu_model() == "AMD EPYC"
    assert provenance.cpu_identity() == "AMD EPYC; avx avx2 avx512f fma sse sse2"
    without_avx512 = X86.replace(" avx512f", "")
    monkeypatch.setattr(provenance, "_cpuinfo", lambda: without_avx512)
    assert provenance.cpu_identity() == "AMD EPYC; avx avx2 fma sse sse2"  # one model name, another CPU


def test_the_cpu_identity_reads_arm_features_and_falls_back_to_the_platform(monkeypatch):
    monkeypatch.setattr(provenance, "_cpuinfo", lambda: ARM)
    assert provenance.cpu_identity().endswith("; asimd sve")
    monkeypatch.setattr(provenance, "_cpuinfo", lambda: "")
    assert provenance.cpu_identity() == provenance.cpu_model() != ""
    assert provenance.provenance("cpu", threads=1)["cpu"] == provenance.cpu_model()
