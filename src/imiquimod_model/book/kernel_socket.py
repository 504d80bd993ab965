"""Kernel messages without Nagle's delay, for the JupyterLab that serves the book.

jupyter_server relays kernel messages to the browser over a websocket whose TCP socket
keeps Nagle's algorithm on (tornado's default). A slider move makes the kernel send small
messages in quick succession (busy, the new curves, the entry box's text, idle); under
Nagle each waits until the browser acknowledges the one before, and Linux delays that
acknowledgement by up to 40 ms. On the book's test machine, ``pass`` run from JupyterLab
took 50 ms with it and 7–16 ms without.

postBuild (Binder) and ``make lab`` configure ``ServerApp.kernel_websocket_connection_class``
to :class:`PromptKernelConnection`.
"""

from __future__ import annotations

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection


class PromptKernelConnection(ZMQChannelsWebsocketConnection):
    """jupyter_server's kernel websocket connection, sending each message at once
    (``TCP_NODELAY``)."""

    def connect(self):
        """Set ``TCP_NODELAY`` on the websocket, then connect as jupyter_server does."""
        self.websocket_handler.set_nodelay(True)
        return super().connect()
