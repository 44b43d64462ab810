"""Load: publish accepted rows into `raw` by COPY, together with the register update, in one transaction."""
