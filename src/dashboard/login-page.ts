/** The small page shown instead of the dashboard when the admin token is missing or not configured. */

export function loginPage(message: string, canLogin: boolean): string {
  const form = canLogin
    ? `<form method="post" action="/dashboard/login">
      <label for="token">Admin token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
      <button type="submit">Open the dashboard</button>
    </form>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Penny — sign in</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/dashboard/assets/styles.css">
</head>
<body class="login">
  <main class="login-box">
    <h1>Penny</h1>
    <p id="login-message">${escapeHtml(message)}</p>
    ${form}
  </main>
</body>
</html>
`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
