"""callkeep: call records and Do-Not-Call compliance that prove themselves."""

import os

# callkeep's matrix products are small (ten digits a row): threads of the BLAS numpy carries
# would only wait beside them, spinning on the other core. Set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
