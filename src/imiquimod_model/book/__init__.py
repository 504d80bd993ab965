"""The presentation layer: everything that draws figures or builds pages.

``explorers`` is the explorer engine (a static face for the website, a live face for
JupyterLab); ``figures`` holds one module per chapter with what that chapter shows;
``reporting`` formats tables and version stamps; ``sphinx_ext`` and ``static/`` serve
plotly.js and the explorer script to the built site. The science modules of
:mod:`imiquimod_model` never import anything from here.
"""
