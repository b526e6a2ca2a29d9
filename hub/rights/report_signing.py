"""The platform's signature on a credit report PDF (pyHanko, PAdES baseline with Ed25519).

A PDF signature is a CMS object, and CMS names its signer by an X.509 certificate. The platform has
one key, the Ed25519 key that signs exchange batches and draw statements (hub.exchange.signing); the
report is signed with that same key so there is one key to keep, rotate and publish. It has no
certificate issued by a CA, so the hub makes a **self-signed certificate for the platform key** and
keeps it beside the key: ``$HUB_STATE_DIR/secrets/platform-report-cert.pem`` (public, but kept so its
serial and validity stay stable across restarts; remade when the key changes). A reader shows the
signature, who signed (the platform id and region in the certificate's subject) and that the document
is unaltered since; to see it as *trusted*, a bank imports that certificate (``hub``'s state dir, or
the key published by the ``platform`` query) into its reader's trusted identities. Readers that do not
implement EdDSA in CMS (RFC 8419) show the signature as present but unverifiable; pyHanko's validator
(and therefore ``tests/test_report.py``) verifies it.

The private key crosses into the renderer's worker process as PKCS#8 bytes over the pool's local
pipe; it is never written anywhere but its 0600 file.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from hub import clock

CERTIFICATE_YEARS = 10
SIGNATURE_FIELD = "PlatformSignature"
CERTIFICATE_FILE = "platform-report-cert.pem"  # in $HUB_STATE_DIR/secrets/


@dataclass(frozen=True)
class ReportSigner:
    """What a worker process needs to sign: the key (PKCS#8 DER) and its certificate (DER)."""

    key_pkcs8: bytes
    certificate_der: bytes
    location: str  # the issuing region code, shown by readers as the signature's location

    def __repr__(self) -> str:  # never print the key
        return f"ReportSigner(location={self.location!r})"

    def sign(self, pdf: bytes, reason: str) -> bytes:
        """``pdf`` with the platform's signature appended as an incremental update."""
        signer = signers.SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(self.certificate_der),
            signing_key=asn1_keys.PrivateKeyInfo.load(self.key_pkcs8), cert_registry=SimpleCertificateStore())
        meta = signers.PdfSignatureMetadata(field_name=SIGNATURE_FIELD, reason=reason, location=self.location)
        signed = io.BytesIO()
        signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer, output=signed)
        return signed.getvalue()


def certificate_for(key: Ed25519PrivateKey, path: Path, platform_id: str, region: str) -> x509.Certificate:
    """The kept self-signed certificate of ``key``; made (and written, 0600) when absent or for another key."""
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if path.exists():
        kept = x509.load_pem_x509_certificate(path.read_bytes())
        kept_public = kept.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if kept_public == public and kept.not_valid_after_utc > clock.now():
            return kept
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, f"{platform_id} 信用信息平台"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"行政区划 {region}"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "credit-hub"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
    ])
    now = clock.now()
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365 * CERTIFICATE_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=False, encipher_only=False, decipher_only=False),
            critical=True)
        .sign(key, None))
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(certificate.public_bytes(serialization.Encoding.PEM))
    os.replace(partial, path)  # two processes racing each write a whole certificate for the same key
    return certificate


def report_signer(key: Ed25519PrivateKey, certificate_path: Path, platform_id: str, region: str) -> ReportSigner:
    certificate = certificate_for(key, certificate_path, platform_id, region)
    return ReportSigner(
        key_pkcs8=key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()),
        certificate_der=certificate.public_bytes(serialization.Encoding.DER), location=region)
