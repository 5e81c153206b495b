import { expect, type Page } from '@playwright/test';

/** Signs in as a person would: Foresight's sign-in page, then the local stand-in's form. */
export async function signIn(page: Page, email: string, name?: string): Promise<void> {
  await page.goto('/deploy');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByTestId('local-signin-notice')).toBeVisible();
  await page.getByRole('button', { name: 'Continue with local sign-in' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Foresight' })).toBeVisible();
  await page.getByLabel('E-mail address').fill(email);
  if (name) await page.getByLabel('Name (optional)').fill(name);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/deploy$/);
}

/**
 * Screenshot into e2e/screenshots/<name>.png, for looking at every page: the
 * full page, or with `fullPage: false` the window only. A full-page shot of a
 * page taller than the window resizes it, and a resize closes an open menu:
 * take menus with `fullPage: false`.
 */
export async function screenshot(page: Page, name: string, { fullPage = true }: { fullPage?: boolean } = {}): Promise<void> {
  await page.screenshot({ path: `e2e/screenshots/${name}.png`, fullPage });
}
