// The kiosk's on-screen keypad: types the booking code's characters into the field.
// Without JavaScript the keypad stays hidden and the field takes a scanner or keyboard.
document.querySelectorAll(".keypad").forEach((pad) => {
  const field = document.getElementById(pad.dataset.target);
  if (!field) return;
  pad.hidden = false;
  pad.addEventListener("click", (event) => {
    const key = event.target.closest("button")?.dataset.key;
    if (!key) return;
    field.value = key === "back" ? field.value.slice(0, -1) : field.value + key;
    field.focus();
  });
});
