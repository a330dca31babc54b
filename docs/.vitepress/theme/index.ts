// The default theme, plus the few styles the reference tables need (custom.css says why).
import DefaultTheme from 'vitepress/theme'
import './custom.css'

export default DefaultTheme
