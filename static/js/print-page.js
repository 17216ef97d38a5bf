// The "Print this page" button on a printable copy of an application. The
// button is hidden until this module runs: without JavaScript people print
// with the browser's own menu.
for (const button of document.querySelectorAll("[data-print-page]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
