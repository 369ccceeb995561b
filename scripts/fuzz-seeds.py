#!/usr/bin/env python3
"""Writes fuzz/seeds/<target>/ from tests/vectors and tests/fixtures.

Structured targets read their input with `arbitrary` (`arbitrary_take_rest`):
fixed-size fields first, little-endian, an enum's variant as a u32 whose top
bits pick it, and the last field takes the rest of the input. The seeds below
follow that layout so the interesting bytes land in the JSON/text field.
Run from the repository root: `python3 scripts/fuzz-seeds.py`.
"""
import base64, json, os, re, struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "fuzz", "seeds")
NOW = 1_795_000_000


def variant(index, count):
    # arbitrary: variant = (u32 * count) >> 32
    return struct.pack("<I", (index << 32) // count + 1)


def write(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def strip_jsonc(text):
    return re.sub(rb"\s*//[^\n]*", b"", text)


minify_vectors = json.load(open(os.path.join(ROOT, "tests/vectors/minify.json")))
for i, v in enumerate(minify_vectors):
    write("minify", f"vector-{i:02}-{v['name']}", base64.b64decode(v["input_b64"]))

for code in ["2007300", "4017300", "5045100", "504IC00", "4005102", "200730", "999XX99", "2002500"]:
    write("response_code", code, code)

for i, ts in enumerate(["2024-09-10T13:24:42+07:00", "2024-03-05T10:37:16.196Z", "2024-09-10 13:24:42+07:00",
                        "2024-09-10T13:24:42z", "+262143-12-31T23:59:59+07:00", "2024-02-30T00:00:00Z"]):
    write("timestamp", f"ts-{i}", struct.pack("<qIQB", NOW, 0, 300, i % 4) + ts.encode())

token_bodies = [
    b'{"responseCode":"2007300","responseMessage":"Successful","accessToken":"opaque-token-0123456789","tokenType":"Bearer","expiresIn":"900"}',
    b'{"responseCode":"2007300","accessToken":"abc","tokenType":"bearer","expiresIn":900,"refreshToken":"refresh-0123456789","refreshTokenExpiresIn":"86400"}',
    b'{"responseCode":"4017300","responseMessage":"Unauthorized. [Signature]"}',
    b'{"accessToken":"x","expiresIn":"99999999999999999999"}',
]
for i, body in enumerate(token_bodies):
    write("token_response", f"body-{i}", struct.pack("<HqI", 100, NOW, 900) + body)

qris_bodies = [
    ("query-request", 2, read("tests/fixtures/paydia/qr-mpm-query-request.json")),
    ("query-response", 3, read("tests/fixtures/paydia/qr-mpm-query-response.json")),
    ("generate-request", 0, json.dumps(json.loads(json.load(open(os.path.join(ROOT, "tests/vectors/symmetric.json")))[0]["body"])).encode()),
    ("notify-request", 4, b'{"originalReferenceNo":"A1","latestTransactionStatus":"00","amount":{"value":"12000.00","currency":"IDR"},"additionalInfo":{"x":[1,2.5e3,null]}}'),
    ("refund-response", 9, b'{"responseCode":"2007800","responseMessage":"Successful","refundAmount":{"value":"1.00","currency":"IDR"}}'),
    # Names with escapes are written back as received (`\/` stays `\/`).
    ("raw-escaped-name", 10, b'{"RT.3\\/RW.4":1}'),
    ("query-request-escaped-name", 2, b'{"serviceCode":"47","additionalInfo":{"a\\/b":"c\\/d"},"RT.3\\/RW.4":1}'),
]
for name, which, body in qris_bodies:
    write("qris", name, variant(0, 4) + bytes([which]) + body)
for i, amount in enumerate(["12000.00", "0.00", "1.5", "-1.00", "184467440737095516.15", "1e3"]):
    write("qris", f"amount-{i}", variant(1, 4) + struct.pack("<Qq", 1_200_000, -5) + amount.encode())
emv = ("00020101021226610016ID.CO.QRIS.WWW01189360091100000000000215ID10200000000000303UMI"
       "51440014ID.CO.QRIS.WWW0215ID10200000000000303UMI5204581253033605405120005802ID"
       "5914TEST MERCHANT6007JAKARTA61051234062070703A016304")
write("qris", "emv-no-crc", variant(2, 4) + b"\x01" + emv.encode())
write("qris", "emv-bad-crc", variant(2, 4) + b"\x01" + (emv + "ABCD").encode())
write("qris", "status", variant(3, 4) + b"07")

for name in sorted(os.listdir(os.path.join(ROOT, "tests/fixtures/seeds"))):
    path = os.path.join("tests/fixtures/seeds", name)
    if name.startswith(("000", "001", "002")) and name.endswith(".json"):
        write("kiriminaja", name, variant(0, 4) + struct.pack("<H", 200) + read(path))
    if "fazz" in name and "response" in name:
        write("fazz", name.replace(".jsonc", ".json"), variant(0, 2) + struct.pack("<H", 200) + strip_jsonc(read(path)))
    if "fazz-callback" in name:
        write("fazz", name.replace(".jsonc", ".json"), variant(0, 2) + struct.pack("<H", 200) + strip_jsonc(read(path)))
write("kiriminaja", "webhook", variant(1, 4) + b'{"method":"processed_packages","data":[{"order_id":"X","awb":"Y"}]}')
write("kiriminaja", "auth", variant(2, 4) + b"\x01")
write("fazz", "error", variant(0, 2) + struct.pack("<H", 422) + b'{"errors":[{"code":"invalid","title":"Invalid","detail":"amount"}]}')

# explain and verify_layer read several variable-length fields: libFuzzer finds
# their layout itself; these only give it valid JSON bodies to start from.
for i, v in enumerate(minify_vectors[:4]):
    write("explain", f"body-{i}", base64.b64decode(v["input_b64"]))
    write("verify_layer", f"body-{i}", base64.b64decode(v["input_b64"]))
