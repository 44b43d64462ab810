"""The dashboard's pages, one module each; they import Streamlit, so only `app.py` imports them."""
