export interface NavItem {
  title: string;
  href: string;
}

/** The tabs of the signed-in area, in the order of the tutorial's loop. */
export const mainNav: NavItem[] = [
  { title: 'Deploy', href: '/deploy' },
  { title: 'Plugins', href: '/plugins' },
  { title: 'Dashboards', href: '/dashboards' },
  { title: 'Settings', href: '/settings' },
];
