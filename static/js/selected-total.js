// The approver's queue: a running total of the ticked applications'
// recommended amounts, beside the remaining budget. Without JavaScript the
// next page (the check before approving) shows the same total.
const summary = document.querySelector("[data-selected-total]");
if (summary) {
  const output = summary.querySelector("output");
  const remaining = Number(summary.dataset.remaining);
  const pounds = new Intl.NumberFormat("en-GB", { style: "currency", currency: "GBP" });
  const boxes = document.querySelectorAll("input[name='application'][data-amount]");
  const update = () => {
    let pence = 0;
    let count = 0;
    for (const box of boxes) {
      if (box.checked) {
        pence += Math.round(Number(box.dataset.amount) * 100);
        count += 1;
      }
    }
    const over = pence > Math.round(remaining * 100) ? " (more than the remaining budget)" : "";
    output.textContent = `${count} selected, totalling ${pounds.format(pence / 100)}${over}`;
  };
  summary.hidden = false;
  for (const box of boxes) box.addEventListener("change", update);
  update();
}
